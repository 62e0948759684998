#!/usr/bin/env bash
# Installs actionlint (github.com/rhysd/actionlint), the GitHub Actions workflow linter that
# tests/actionlint.test.ts runs over .github/workflows in npm test, at a pinned release, from the
# Go module proxy (`go install`), into $TOOLBOXAI_CACHE/actionlint-$ACTIONLINT_VERSION/bin (default
# ~/.cache/toolboxai, outside the clone, so a fresh clone on the same machine reuses it). Skips
# the build when that binary is already the pinned version; prints what it does and where the
# binary is. Cold: about 10 s on 2 cores; cached: instant.
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/actionlint.test.ts reads this line to find the binary.
ACTIONLINT_VERSION=1.7.12
BIN="${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/actionlint-$ACTIONLINT_VERSION/bin"
start=$SECONDS

# `go install module@version` records the module version in the binary: `actionlint -version`
# prints it on its first line, so no marker file is needed.
if [ "$("$BIN/actionlint" -version 2>/dev/null | sed -n 1p)" != "v$ACTIONLINT_VERSION" ]; then
  echo "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  mkdir -p "$BIN"
  GOBIN="$BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  echo "actionlint built in $((SECONDS - start)) s"
else
  echo "actionlint $ACTIONLINT_VERSION already built"
fi
echo "actionlint $ACTIONLINT_VERSION ready: $BIN/actionlint"
