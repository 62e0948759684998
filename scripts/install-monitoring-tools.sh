#!/usr/bin/env bash
# Installs the monitoring config checkers, at pinned versions, from the Go module proxy: promtool
# (Prometheus 3.x, whose Go module is tagged v0.3xx), amtool (Alertmanager) and jaeger (Jaeger v2,
# for `jaeger validate`; its module is tagged v1.x), into
# $TOOLBOXAI_MONITORING_TOOLS/bin (default ~/.cache/toolboxai/monitoring-tools, outside the clone,
# so a fresh clone on the same machine reuses them). Skips what is already there at the right
# version; prints what it does and how long it took.
# Cold: about 15 min on 2 cores (promtool 7.5, amtool under 1 once promtool has warmed the shared
# modules, jaeger 7); cached: seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
# Prometheus 3.x.y is tagged v0.3xx.y in Go: module v0.316.0 is Prometheus 3.16.0.
PROMETHEUS_MODULE_VERSION=0.316.0
PROMETHEUS_VERSION=3.16.0
ALERTMANAGER_VERSION=0.35.0
# Jaeger's Go module v1.76.0 is the release of Jaeger v2.13.0 (the image the program runs).
JAEGER_MODULE_VERSION=1.76.0
TOOLS="${TOOLBOXAI_MONITORING_TOOLS:-${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/monitoring-tools}"
mkdir -p "$TOOLS/bin"
start=$SECONDS

# build_tool NAME MODULE_VERSION PACKAGE RELEASE: `go install` leaves no version in the binary (the
# release goes into --version through -ldflags), so a marker file records what was built.
build_tool() {
  local name=$1 version=$2 pkg=$3 release=$4 marker="$TOOLS/bin/$1.version" t=$SECONDS
  if [ ! -x "$TOOLS/bin/$name" ] || [ "$(cat "$marker" 2>/dev/null)" != "$version" ]; then
    echo "building $name $version from the Go module proxy"
    GOBIN="$TOOLS/bin" nice -n 10 go install \
      -ldflags "-X github.com/prometheus/common/version.Version=$release" "$pkg@v$version"
    echo "$version" > "$marker"
    echo "$name built in $((SECONDS - t)) s"
  else
    echo "$name $version already built"
  fi
}

build_tool promtool "$PROMETHEUS_MODULE_VERSION" github.com/prometheus/prometheus/cmd/promtool \
  "$PROMETHEUS_VERSION"
build_tool amtool "$ALERTMANAGER_VERSION" github.com/prometheus/alertmanager/cmd/amtool \
  "$ALERTMANAGER_VERSION"
# jaeger: its go.mod has a `replace` line, which `go install pkg@version` refuses, so it is built
# in a wrapper module that repeats the module's replace lines (as control-plane.sh does).
marker="$TOOLS/bin/jaeger.version"
if [ ! -x "$TOOLS/bin/jaeger" ] || [ "$(cat "$marker" 2>/dev/null)" != "$JAEGER_MODULE_VERSION" ]; then
  echo "building jaeger $JAEGER_MODULE_VERSION from the Go module proxy"
  t=$SECONDS
  work="$TOOLS/jaeger-wrap"
  rm -rf "$work"
  mkdir -p "$work"
  (
    cd "$work"
    go mod download -json "github.com/jaegertracing/jaeger@v$JAEGER_MODULE_VERSION" >/dev/null
    mod=$(go env GOMODCACHE)/cache/download/github.com/jaegertracing/jaeger/@v/v$JAEGER_MODULE_VERSION.mod
    {
      printf 'module wrap\n\ngo %s\n\nrequire github.com/jaegertracing/jaeger v%s\n\n' \
        "$(awk '/^go /{print $2; exit}' "$mod")" "$JAEGER_MODULE_VERSION"
      grep '^replace ' "$mod" || true
    } >go.mod
    printf '//go:build tools\n\npackage wrap\n\nimport _ "github.com/jaegertracing/jaeger/cmd/jaeger"\n' >tools.go
    go mod tidy
    nice -n 10 go build -trimpath -o "$TOOLS/bin/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  )
  echo "$JAEGER_MODULE_VERSION" >"$marker"
  echo "jaeger built in $((SECONDS - t)) s"
else
  echo "jaeger $JAEGER_MODULE_VERSION already built"
fi

echo "monitoring tools ready in $((SECONDS - start)) s"
