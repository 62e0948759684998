#!/usr/bin/env bash
# A local Kubernetes control plane for tests, on 127.0.0.1 only: etcd, kube-apiserver (RBAC, the
# default admission plugins with PodSecurity and ResourceQuota) and, on request,
# kube-controller-manager. No kubelet: pods are admitted and stay Pending.
#
#   control-plane.sh build          builds kube-apiserver, kube-controller-manager and kubectl
#                                   v$K8S_VERSION from the Go module proxy, and unpacks Debian's etcd,
#                                   into $TOOLBOXAI_CACHE/kube-$K8S_VERSION/bin (default
#                                   ~/.cache/toolboxai): outside the clone, so clones share it.
#                                   Cold: about 11 min on 2 idle cores; cached: seconds.
#   control-plane.sh start DIR [--kcm]
#                                   certificates, keys, etcd data, logs and PIDs under DIR (make it
#                                   a temporary folder); writes DIR/admin.kubeconfig. Seconds.
#   control-plane.sh stop DIR       stops exactly the processes whose PIDs DIR/run holds.
#   control-plane.sh bin            prints the folder of the binaries (exit 1 if not built).
set -euo pipefail
K8S_VERSION=${K8S_VERSION:-1.37.2}
CACHE=${TOOLBOXAI_CACHE:-$HOME/.cache/toolboxai}
BIN=$CACHE/kube-$K8S_VERSION/bin
ETCD_PORT=${ETCD_PORT:-23790}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
API_PORT=${API_PORT:-16443}

built() { [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kubectl" ] && [ -x "$BIN/etcd" ]; }

build() {
  if built; then echo "control plane v$K8S_VERSION already built in $BIN"; return 0; fi
  local start=$SECONDS work=$CACHE/kube-$K8S_VERSION/wrap minor=${K8S_VERSION#1.}
  minor=${minor%%.*}
  mkdir -p "$BIN" "$work"
  # A wrapper module: k8s.io/kubernetes replaces its staging modules with ./staging paths, which
  # a dependency cannot use, so each is pinned to its published v0.<minor>.<patch> instead.
  (
    cd "$work"
    go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null
    local mod
    mod=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod
    {
      printf 'module wrap\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
        "$(awk '/^go /{print $2; exit}' "$mod")" "$K8S_VERSION"
      sed -n '/^replace/,/^)/p' "$mod" | grep '=>' | awk -v v="0.${K8S_VERSION#1.}" '{print "\t"$1" => "$1" v"v}'
      printf ')\n'
    } >go.mod
    printf '//go:build tools\n\npackage wrap\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' >tools.go
    go mod tidy
    local ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    nice -n 10 go build -trimpath -ldflags "$ld" -o "$BIN/" k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kube-controller-manager
  )
  if [ ! -x "$BIN/etcd" ]; then
    local deb
    deb=$(mktemp -d)
    (cd "$deb" && apt-get download etcd-server >/dev/null && dpkg-deb -x etcd-server_*.deb root)
    cp "$deb/root/usr/bin/etcd" "$BIN/etcd"
    rm -rf "$deb"
  fi
  echo "control plane v$K8S_VERSION built in $BIN in $((SECONDS - start)) s"
}

kubeconfig() { # file user cert key
  cat >"$1" <<EOT
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$API_PORT
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

certs() {
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=local-ca" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >server.ext
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    issue() { # name subject extfile
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$3" 2>/dev/null
    }
    issue apiserver "/CN=kube-apiserver" server.ext
    issue admin "/O=system:masters/CN=local-admin" client.ext
    issue kcm "/CN=system:kube-controller-manager" client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
}

wait_for() { # what pidfile command...
  local what=$1 pidfile=$2
  shift 2
  for _ in $(seq 1 300); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "$what exited; its log: $LOGS" >&2; return 1; }
    sleep 0.2
  done
  echo "$what did not become ready in 60 s; its log: $LOGS" >&2
  return 1
}

start() {
  built || { echo "the control plane is not built: run $0 build" >&2; exit 1; }
  mkdir -p "$PKI" "$RUN" "$LOGS"
  local t0=$SECONDS
  certs
  ETCD_UNSUPPORTED_ARCH='' "$BIN/etcd" --name local --data-dir "$RUN/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" >"$LOGS/etcd.log" 2>&1 &
  echo $! >"$RUN/etcd.pid"
  wait_for etcd "$RUN/etcd.pid" curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  # --endpoint-reconciler-type=none: a loopback advertise address is refused otherwise.
  # --allow-privileged=true, as kubeadm and managed clusters set it: Pod Security admission, not
  # the API server's validation, must be what refuses a privileged pod.
  "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none \
    --authorization-mode=RBAC --allow-privileged=true \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,PodSecurity \
    --profiling=false >"$LOGS/kube-apiserver.log" 2>&1 &
  echo $! >"$RUN/kube-apiserver.pid"
  wait_for kube-apiserver "$RUN/kube-apiserver.pid" curl -sf --cacert "$PKI/ca.crt" "https://127.0.0.1:$API_PORT/readyz"
  kubeconfig "$DIR/admin.kubeconfig" local-admin "$PKI/admin.crt" "$PKI/admin.key"
  if [ "${1:-}" = "--kcm" ]; then
    kubeconfig "$DIR/kcm.kubeconfig" system:kube-controller-manager "$PKI/kcm.crt" "$PKI/kcm.key"
    "$BIN/kube-controller-manager" --kubeconfig="$DIR/kcm.kubeconfig" --bind-address=127.0.0.1 \
      --secure-port=0 --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
      --use-service-account-credentials=true --leader-elect=false \
      --cluster-cidr=10.244.0.0/16 --service-cluster-ip-range=10.0.0.0/24 \
      >"$LOGS/kube-controller-manager.log" 2>&1 &
    echo $! >"$RUN/kube-controller-manager.pid"
  fi
  echo "control plane ready in $((SECONDS - t0)) s: export KUBECONFIG=$DIR/admin.kubeconfig"
}

stop() {
  for name in kube-controller-manager kube-apiserver etcd; do
    [ -f "$RUN/$name.pid" ] || continue
    local pid
    pid=$(cat "$RUN/$name.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"
  done
}

case "${1:-}" in
  build) build ;;
  bin) built && echo "$BIN" ;;
  start | stop)
    DIR=$(cd "${2:?usage: $0 $1 DIR}" && pwd)
    PKI=$DIR/pki RUN=$DIR/run LOGS=$DIR/logs
    "$1" "${3:-}"
    ;;
  *)
    echo "usage: $0 build | bin | start DIR [--kcm] | stop DIR" >&2
    exit 2
    ;;
esac
