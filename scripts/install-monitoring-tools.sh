#!/usr/bin/env bash
# Installs the monitoring config checkers npm test runs: promtool (Prometheus 3.16.0), amtool
# (Alertmanager 0.35.0) and jaeger (2.13.0, for `jaeger validate`). They are the binaries of the
# offline image set, the very releases the stacks run: scripts/images.sh builds them from the Go
# module proxy (cached in ~/.cache/toolboxai/images/bin, outside the clone) and this copies them
# into $TOOLBOXAI_MONITORING_TOOLS/bin (default ~/.cache/toolboxai/monitoring-tools).
# Needs Go and Python 3. Cold: about 12 min on 2 cores (Prometheus and promtool 6, Alertmanager
# and amtool 1, Jaeger 5), shared with the images; cached: seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${TOOLBOXAI_MONITORING_TOOLS:-${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/monitoring-tools}"
mkdir -p "$TOOLS/bin"
start=$SECONDS

bash scripts/images.sh binaries prometheus alertmanager jaeger
for pair in prometheus:promtool alertmanager:amtool jaeger:jaeger; do
  image=${pair%%:*} tool=${pair##*:}
  # -C: copied only when it differs (a copy, not a link: the folder stands on its own in a cache).
  install -C -m0755 "$(bash scripts/images.sh bin "$image")/$tool" "$TOOLS/bin/$tool"
  rm -f "$TOOLS/bin/$tool.version" # the markers of the former go-install builds
done
rm -rf "$TOOLS/jaeger-wrap"
echo "monitoring tools ready in $((SECONDS - start)) s: $("$TOOLS/bin/promtool" --version | head -1)"
