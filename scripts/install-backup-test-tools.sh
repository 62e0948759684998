#!/usr/bin/env bash
# Installs what `npm run test:backups` runs against: PostgreSQL, redis-server and age from
# Debian's packages, and an S3-compatible server (moto, PyPI, pinned) in a virtualenv outside the
# clone, in $TOOLBOXAI_CACHE/backup-test-tools (default ~/.cache/toolboxai), so a fresh clone on
# the same machine reuses it. Skips what is already there; prints how long it took.
set -euo pipefail
MOTO_VERSION=5.2.5
TOOLS="${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/backup-test-tools"
start=$SECONDS

missing=()
command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The tests start their own servers on free loopback ports; packaged ones are left alone.

venv="$TOOLS/venv"
if [ "$("$venv/bin/pip" freeze 2>/dev/null | grep -E '^moto==' || true)" != "moto==$MOTO_VERSION" ]; then
  echo "installing moto $MOTO_VERSION (an S3-compatible server) from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
else
  echo "moto $MOTO_VERSION already installed"
fi
echo "backup test tools ready in $((SECONDS - start)) s"
