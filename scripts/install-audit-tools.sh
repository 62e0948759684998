#!/usr/bin/env bash
# Installs the independent manifest auditors, at pinned versions: kube-score (Go module proxy)
# and Checkov plus kubernetes-validate (PyPI), into $TOOLBOXAI_TOOLS (default
# ~/.cache/toolboxai/audit-tools, outside the clone, so a fresh clone on the same machine reuses
# them; tools/audit/run.ts looks there too). Skips what is already there at the right version;
# prints what it does and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_SCORE_VERSION=1.20.0
CHECKOV_VERSION=3.3.30
KUBERNETES_VALIDATE_VERSION=1.37.0
TOOLS="${TOOLBOXAI_TOOLS:-${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/audit-tools}"
mkdir -p "$TOOLS/bin"
start=$SECONDS

# `go install` leaves no version in the binary, so a marker file records what was built.
marker="$TOOLS/bin/kube-score.version"
if [ ! -x "$TOOLS/bin/kube-score" ] || [ "$(cat "$marker" 2>/dev/null)" != "$KUBE_SCORE_VERSION" ]; then
  echo "building kube-score $KUBE_SCORE_VERSION from the Go module proxy"
  GOBIN="$TOOLS/bin" go install "github.com/zegl/kube-score/cmd/kube-score@v$KUBE_SCORE_VERSION"
  echo "$KUBE_SCORE_VERSION" > "$marker"
else
  echo "kube-score $KUBE_SCORE_VERSION already built"
fi

venv="$TOOLS/venv"
want=("checkov==$CHECKOV_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION")
have=$("$venv/bin/pip" freeze 2>/dev/null | grep -E '^(checkov|kubernetes-validate)==' | sort | tr '\n' ' ' || true)
if [ "$have" != "${want[*]} " ]; then
  echo "installing ${want[*]} from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${want[@]}"
else
  echo "checkov $CHECKOV_VERSION and kubernetes-validate $KUBERNETES_VALIDATE_VERSION already installed"
fi
echo "audit tools ready in $((SECONDS - start)) s"
