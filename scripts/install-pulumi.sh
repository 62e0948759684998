#!/usr/bin/env bash
# Makes the Pulumi CLI this program is tested with available, with its Node.js language host and
# the kubernetes and random plugins at the versions package.json pins, and prints how to use it.
#   1. a `pulumi` of the right version on PATH: used as it is;
#   2. else a build cached outside the clone ($TOOLBOXAI_CACHE/pulumi-$PULUMI_VERSION, default
#      ~/.cache/toolboxai): used, so a fresh clone on the same machine rebuilds nothing;
#   3. else, when PULUMI_ENGINE_SOURCES names a folder of offline engine sources (its build.sh
#      builds the CLI, language host and plugins without downloading a binary: for machines
#      without internet access; .ci/run sets it on the CI machine), built from them into that
#      cache (cold: about 25 min on 2 idle cores);
#   4. else: how to install Pulumi (https://www.pulumi.com/docs/iac/download-install/), exit 1.
# Prints `export` lines for PATH and PULUMI_HOME on stdout, and what it did on stderr.
set -euo pipefail
# A relative PULUMI_ENGINE_SOURCES is relative to the caller's folder.
SOURCES=${PULUMI_ENGINE_SOURCES:-}
case $SOURCES in "" | /*) ;; *) SOURCES=$PWD/$SOURCES ;; esac
cd "$(dirname "$0")/.."
PULUMI_VERSION=3.276.0
CACHE=${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}
PREFIX=$CACHE/pulumi-$PULUMI_VERSION
start=$SECONDS
say() { printf '%s\n' "$*" >&2; }

if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
  say "pulumi v$PULUMI_VERSION found on PATH at $(command -v pulumi)"
  exit 0
fi
# One build at a time per cache (two clones, or CI beside a session, share it); the second waits
# and finds the first's.
mkdir -p "$CACHE"
exec 9>"$PREFIX.lock"
flock 9
if [ ! -x "$PREFIX/bin/pulumi" ] || [ ! -x "$PREFIX/bin/pulumi-language-nodejs" ]; then
  if [ -n "$SOURCES" ] && [ -x "$SOURCES/build.sh" ]; then
    say "building the Pulumi engine v$PULUMI_VERSION from $SOURCES into $PREFIX (cold: about 25 min)"
    "$SOURCES/build.sh" "$PREFIX" >&2
  else
    say "Pulumi v$PULUMI_VERSION is not installed. Install it from"
    say "  https://www.pulumi.com/docs/iac/download-install/  (e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version $PULUMI_VERSION)"
    say "or set PULUMI_ENGINE_SOURCES to a folder of offline engine sources (with their build.sh)."
    if [ -n "$SOURCES" ]; then say "PULUMI_ENGINE_SOURCES=$SOURCES has no executable build.sh."; fi
    exit 1
  fi
else
  say "pulumi v$PULUMI_VERSION already built in $PREFIX"
fi
say "pulumi engine ready in $((SECONDS - start)) s"
# The plugins are installed in PULUMI_HOME; nothing may be downloaded on this machine.
echo "export PATH=\"$PREFIX/bin:\$PATH\" PULUMI_HOME=\"$PREFIX/home\" PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=\"true\""
