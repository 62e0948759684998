#!/usr/bin/env bash
# A local Kubernetes cluster for tests: etcd, kube-apiserver (RBAC, the default admission plugins
# with PodSecurity and ResourceQuota), on request kube-controller-manager, or a whole node.
#
#   control-plane.sh build [--node]  builds kube-apiserver, kube-controller-manager and kubectl
#                                   v$K8S_VERSION from the Go module proxy, and unpacks Debian's etcd,
#                                   into $TOOLBOXAI_CACHE/kube-$K8S_VERSION/bin (default
#                                   ~/.cache/toolboxai): outside the clone, so clones share it.
#                                   Cold: about 11 min on 2 idle cores; cached: seconds. --node also
#                                   builds the node's pieces (scripts/kube-node.sh).
#   control-plane.sh start DIR [--kcm | --node]
#                                   certificates, keys, etcd data, logs and PIDs under DIR (make it
#                                   a temporary folder); writes DIR/admin.kubeconfig. Seconds.
#                                   Alone, on 127.0.0.1 with no kubelet: pods are admitted and stay
#                                   Pending. --kcm adds kube-controller-manager. --node runs the
#                                   control plane and one real node (kubelet, containerd,
#                                   kube-proxy, kube-router, CoreDNS, a storage provisioner) in a
#                                   network namespace of its own; the API server is also reachable
#                                   on the host's 127.0.0.1:$API_PORT, nothing else is.
#   control-plane.sh load DIR ARCHIVE…
#                                   imports OCI image archives (scripts/images.sh oci) into the
#                                   node's containerd; pods run them with imagePullPolicy Never or
#                                   IfNotPresent.
#   control-plane.sh tag DIR IMAGE NEW-IMAGE
#                                   names an imported image a second time (a new tag to roll out).
#   control-plane.sh exec DIR CMD…  runs CMD in the node's network namespace (curl, nc: the node's
#                                   and the pods' addresses exist only there).
#   control-plane.sh stop DIR       stops exactly the processes whose PIDs DIR/run holds; for a
#                                   node also its pods, mounts, namespace and route.
#   control-plane.sh bin [--node]   prints the folder of the binaries (exit 1 if not built, or with
#                                   --node if the node's pieces are not).
set -euo pipefail
K8S_VERSION=${K8S_VERSION:-1.37.2}
CACHE=${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}
BIN=$CACHE/kube-$K8S_VERSION/bin
ETCD_PORT=${ETCD_PORT:-23790}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
API_PORT=${API_PORT:-16443}
SERVICE_RANGE=10.96.0.0/24 API_SERVICE_IP=10.96.0.1
# shellcheck source=scripts/kube-node.sh
. "$(dirname "$0")/kube-node.sh"

# The control plane's binaries, and the node's from the same Kubernetes module.
CONTROL_PLANE_COMMANDS=(kube-apiserver kube-controller-manager kubectl)
NODE_COMMANDS=(kubelet kube-scheduler kube-proxy)

missing() { # COMMAND…: those not built yet
  local command
  for command in "$@"; do [ -x "$BIN/$command" ] || echo "$command"; done
}
built() { [ -z "$(missing "${CONTROL_PLANE_COMMANDS[@]}" etcd)" ]; }

build() {
  local wanted=("${CONTROL_PLANE_COMMANDS[@]}")
  [ "${1:-}" = --node ] && wanted+=("${NODE_COMMANDS[@]}")
  # One build at a time per cache (two clones, or CI beside a session, share it); the second
  # finds the first's binaries.
  mkdir -p "$CACHE"
  exec 9>"$CACHE/kube-$K8S_VERSION.lock"
  flock 9
  local todo
  mapfile -t todo < <(missing "${wanted[@]}")
  if [ ${#todo[@]} -eq 0 ] && [ -x "$BIN/etcd" ]; then
    echo "Kubernetes v$K8S_VERSION already built in $BIN"
  else
    build_kubernetes "${todo[@]}"
  fi
  if [ "${1:-}" = --node ]; then node_build; fi
}

build_kubernetes() { # COMMAND…
  local start=$SECONDS work=$CACHE/kube-$K8S_VERSION/wrap minor=${K8S_VERSION#1.}
  minor=${minor%%.*}
  mkdir -p "$BIN" "$work"
  # A wrapper module: k8s.io/kubernetes replaces its staging modules with ./staging paths, which
  # a dependency cannot use, so each is pinned to its published v0.<minor>.<patch> instead. It
  # imports every command either mode builds, so its go.mod is the same for both.
  (
    cd "$work"
    go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null
    local mod command
    mod=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod
    {
      printf 'module wrap\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
        "$(awk '/^go /{print $2; exit}' "$mod")" "$K8S_VERSION"
      sed -n '/^replace/,/^)/p' "$mod" | grep '=>' | awk -v v="0.${K8S_VERSION#1.}" '{print "\t"$1" => "$1" v"v}'
      printf ')\n'
    } >go.mod
    {
      printf '//go:build tools\n\npackage wrap\n\nimport (\n'
      for command in "${CONTROL_PLANE_COMMANDS[@]}" "${NODE_COMMANDS[@]}"; do
        printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$command"
      done
      printf ')\n'
    } >tools.go
    go mod tidy
    local ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    local packages=()
    for command in "$@"; do packages+=("k8s.io/kubernetes/cmd/$command"); done
    [ ${#packages[@]} -eq 0 ] || nice -n 10 go build -trimpath -ldflags "$ld" -o "$BIN/" "${packages[@]}"
  )
  if [ ! -x "$BIN/etcd" ]; then
    local deb
    deb=$(mktemp -d)
    (cd "$deb" && apt-get download etcd-server >/dev/null && dpkg-deb -x etcd-server_*.deb root)
    cp "$deb/root/usr/bin/etcd" "$BIN/etcd"
    rm -rf "$deb"
  fi
  echo "Kubernetes v$K8S_VERSION ($*) built in $BIN in $((SECONDS - start)) s"
}

kubeconfig() { # file user cert key [port]
  cat >"$1" <<EOT
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:${5:-$API_PORT}
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 <"$3")
    client-key-data: $(base64 -w0 <"$4")
contexts:
- name: local
  context: {cluster: local, user: $2}
current-context: local
EOT
  chmod 600 "$1"
}

issue() { # NAME SUBJECT EXTFILE: a key and a certificate of the local CA, in PKI
  (
    cd "$PKI"
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$3" 2>/dev/null
    chmod 600 "$1.key"
  )
}

certs() {
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=local-ca" 2>/dev/null
    chmod 600 ca.key
    # The API server's names: loopback, the node's address, and the kubernetes Service's.
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:%s,IP:%s,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' \
      "$API_SERVICE_IP" "$NODE_IP" >server.ext
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 sa.key
  )
  issue apiserver "/CN=kube-apiserver" server.ext
  issue admin "/O=system:masters/CN=local-admin" client.ext
  issue kcm "/CN=system:kube-controller-manager" client.ext
}

wait_for() { # what pidfile command...: every 0.2 s for WAIT_SECONDS (60), while pidfile's process lives
  local what=$1 pidfile=$2 seconds=${WAIT_SECONDS:-60}
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "$what exited; its log: $LOGS" >&2; return 1; }
    sleep 0.2
  done
  echo "$what did not become ready in $seconds s; its log: $LOGS" >&2
  return 1
}

start() { # [--kcm | --node]
  built || { echo "the control plane is not built: run $0 build" >&2; exit 1; }
  local mode=${1:-} t0=$SECONDS
  case "$mode" in "" | --kcm | --node) ;; *) echo "unknown option $mode: --kcm or --node" >&2; exit 2 ;; esac
  mkdir -p "$PKI" "$RUN" "$LOGS"
  # Alone, everything listens on the host's loopback; with a node, in the node's namespace.
  local in_node=() api_address=127.0.0.1 bind_address=127.0.0.1 apiserver_flags=(--endpoint-reconciler-type=none)
  SERVING_PORT=$API_PORT
  if [ "$mode" = --node ]; then
    node_prepare
    in_node=(nsenter --net="/run/netns/$NETNS" --)
    # The API server listens on the node's address too, on 6443 as kubeadm's does: the
    # kubernetes Service leads there, and the stacks' NetworkPolicies allow API clients 443 and
    # 6443. The host's clients reach it through a relay on 127.0.0.1:$API_PORT.
    api_address=$NODE_IP bind_address=0.0.0.0 SERVING_PORT=$NODE_API_PORT
    apiserver_flags=(--kubelet-client-certificate="$PKI/apiserver-kubelet.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet.key" --kubelet-certificate-authority="$PKI/ca.crt"
      --kubelet-preferred-address-types=InternalIP)
  fi
  certs
  [ "$mode" != --node ] || node_certs
  # A daemon: in the node's namespace with a node, its PID in RUN and its log in LOGS (a simple
  # command: nsenter and env exec it, so the PID is the daemon's own).
  daemon() {
    local name=$1
    shift
    "${in_node[@]}" "$@" >"$LOGS/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
  }
  daemon etcd env ETCD_UNSUPPORTED_ARCH= "$BIN/etcd" --name local --data-dir "$RUN/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_for etcd "$RUN/etcd.pid" "${in_node[@]}" curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  # --endpoint-reconciler-type=none alone: a loopback advertise address is refused otherwise.
  # --allow-privileged=true, as kubeadm and managed clusters set it: Pod Security admission, not
  # the API server's validation, must be what refuses a privileged pod.
  daemon kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$bind_address" --advertise-address="$api_address" --secure-port="$SERVING_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_RANGE" "${apiserver_flags[@]}" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,PodSecurity,NodeRestriction \
    --profiling=false
  wait_for kube-apiserver "$RUN/kube-apiserver.pid" "${in_node[@]}" \
    curl -sf --cacert "$PKI/ca.crt" "https://127.0.0.1:$SERVING_PORT/readyz"
  kubeconfig "$DIR/admin.kubeconfig" local-admin "$PKI/admin.crt" "$PKI/admin.key"
  if [ -n "$mode" ]; then
    local node_flags=()
    # The node's pod range comes from the controller manager, as in a kubeadm cluster.
    [ "$mode" != --node ] || node_flags=(--allocate-node-cidrs=true --node-cidr-mask-size=24)
    kubeconfig "$DIR/kcm.kubeconfig" system:kube-controller-manager "$PKI/kcm.crt" "$PKI/kcm.key" "$SERVING_PORT"
    daemon kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$DIR/kcm.kubeconfig" --bind-address=127.0.0.1 \
      --secure-port=0 --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
      --use-service-account-credentials=true --leader-elect=false \
      --cluster-cidr=10.244.0.0/16 --service-cluster-ip-range="$SERVICE_RANGE" "${node_flags[@]}"
  fi
  [ "$mode" != --node ] || node_start
  echo "control plane ready in $((SECONDS - t0)) s: export KUBECONFIG=$DIR/admin.kubeconfig"
}

stop_process() { # NAME: the process whose PID RUN/NAME.pid holds; SIGKILL after 10 s
  [ -f "$RUN/$1.pid" ] || return 0
  local pid
  pid=$(cat "$RUN/$1.pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$1.pid"
}

stop() {
  [ ! -f "$RUN/netns" ] || NETNS=$(cat "$RUN/netns") node_stop
  local name
  for name in kube-controller-manager kube-apiserver etcd; do stop_process "$name"; done
  if [ -f "$RUN/netns" ] || [ -f "$RUN/blackhole" ]; then node_cleanup; fi
}

case "${1:-}" in
  build) build "${2:-}" ;;
  bin) built && { [ "${2:-}" != --node ] || node_built; } && echo "$BIN" ;;
  start | stop | exec | load | tag)
    DIR=$(cd "${2:?usage: $0 $1 DIR}" && pwd)
    PKI=$DIR/pki RUN=$DIR/run LOGS=$DIR/logs
    case "$1" in
      exec | load | tag)
        [ -f "$RUN/netns" ] || { echo "no node started under $DIR" >&2; exit 1; }
        command=$1
        shift 2
        case "$command" in
          load) node_load "$@" ;;
          tag) ctr -n k8s.io images tag --force "${1:?usage: $0 tag DIR IMAGE NEW-IMAGE}" "${2:?usage: $0 tag DIR IMAGE NEW-IMAGE}" >/dev/null ;;
          *) exec nsenter --net="/run/netns/$(cat "$RUN/netns")" -- "$@" ;;
        esac
        ;;
      *) "$1" "${3:-}" ;;
    esac
    ;;
  *)
    echo "usage: $0 build [--node] | bin [--node] | start DIR [--kcm | --node] | load DIR ARCHIVE… | tag DIR IMAGE NEW-IMAGE | exec DIR COMMAND… | stop DIR" >&2
    exit 2
    ;;
esac
