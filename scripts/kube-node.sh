# shellcheck shell=bash
# One real Kubernetes node for tests, sourced by scripts/control-plane.sh (`build --node`,
# `start DIR --node`, `stop DIR`). The recipe, and the host facts that shaped it, are in
# docs/TESTING.md ("The real node"):
#   - everything runs in a network namespace of its own; the node's daemons also share a mount
#     namespace of their own, where mounts propagate (as on a systemd host: node-exporter's
#     HostToContainer volumes need it) without the host's mounts changing; the host's routes and
#     firewall are untouched but for a blackhole route for the node's range;
#   - Debian's containerd 1.6, runc and CNI plugins, unpacked (not installed) in the cache;
#   - CNI ptp + host-local: pod traffic is routed through the node's own IP stack, where kube-proxy
#     (nftables) and kube-router (NetworkPolicy, firewall only) see it;
#   - CoreDNS as a pod of kube-system (k8s-app=kube-dns, as the stacks' DNS policy expects);
#   - StorageClasses `standard` (the default) and `ssd`, both local-path-provisioner's `local`
#     volumes under DIR/volumes.
# Built once per machine into the cache, each tool on its own:
#   $CACHE/node-debian/          Debian's packages, unpacked
#   $CACHE/kube-router-VERSION/  kube-router (Go module proxy)
#   $CACHE/coredns-VERSION/      CoreDNS with the plugins of images/coredns (Go module proxy)
#   $CACHE/local-path-provisioner-VERSION/  (Go module proxy; the proxy drops its vendor folder)
#   $CACHE/node-images/          the pause, busybox and CoreDNS images (OCI archives)

KUBE_ROUTER_VERSION=2.1.0
COREDNS_VERSION=1.15.0
LOCAL_PATH_VERSION=0.0.30
NODE_NAME=toolboxai-node
# The node's own range, and its address in it; routed nowhere on the host while a node runs.
NODE_RANGE=10.99.0.0/16 NODE_IP=10.99.0.1
# The API server's port inside the node's namespace.
NODE_API_PORT=6443
POD_RANGE=10.244.0.0/16 NODE_POD_RANGE=10.244.0.0/24 DNS_IP=10.96.0.10
NODE_PACKAGES=(containerd runc containernetworking-plugins busybox-static nftables libnftables1
  libnftnl11 libjansson4 iptables libip4tc2 libip6tc2 libxtables12 libnetfilter-conntrack3
  libnfnetlink0 conntrack libmnl0 ipset libipset13 socat libwrap0)
DEBIAN_ROOT=$CACHE/node-debian/root
# Their libraries, for the programs that run them (kube-proxy, kube-router, socat) alone.
DEBIAN_LIBS=$DEBIAN_ROOT/usr/lib/x86_64-linux-gnu:$DEBIAN_ROOT/lib/x86_64-linux-gnu
KUBE_ROUTER=$CACHE/kube-router-$KUBE_ROUTER_VERSION/kube-router
COREDNS=$CACHE/coredns-$COREDNS_VERSION/coredns
LOCAL_PATH=$CACHE/local-path-provisioner-$LOCAL_PATH_VERSION/local-path-provisioner
NODE_IMAGES=$CACHE/node-images
PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The global sysctls the kubelet rewrites (vm.overcommit_memory, kernel.panic,
# kernel.panic_on_oops): saved at start, restored at stop.
KUBELET_SYSCTLS=(vm/overcommit_memory kernel/panic kernel/panic_on_oops)

node_built() {
  [ -z "$(missing "${NODE_COMMANDS[@]}")" ] && [ -x "$KUBE_ROUTER" ] && [ -x "$COREDNS" ] &&
    [ -x "$LOCAL_PATH" ] && [ -f "$NODE_IMAGES/coredns.tar" ] &&
    [ "$(cat "$CACHE/node-debian/packages" 2>/dev/null)" = "${NODE_PACKAGES[*]}" ]
}

node_build() {
  local start=$SECONDS
  if [ "$(cat "$CACHE/node-debian/packages" 2>/dev/null)" != "${NODE_PACKAGES[*]}" ]; then
    rm -rf "$CACHE/node-debian"
    mkdir -p "$CACHE/node-debian.part"
    (cd "$CACHE/node-debian.part" && apt-get download "${NODE_PACKAGES[@]}" >/dev/null &&
      for deb in ./*.deb; do dpkg-deb -x "$deb" root; done && rm ./*.deb)
    echo "${NODE_PACKAGES[*]}" >"$CACHE/node-debian.part/packages"
    mv "$CACHE/node-debian.part" "$CACHE/node-debian"
  fi
  export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
  if [ ! -x "$KUBE_ROUTER" ]; then
    # The only version the module proxy here serves (docs/TESTING.md).
    GOBIN=$(dirname "$KUBE_ROUTER") nice -n 10 go install -trimpath -ldflags "-s -w" \
      "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@v$KUBE_ROUTER_VERSION"
  fi
  if [ ! -x "$COREDNS" ]; then
    local src
    src=$(dirname "$COREDNS")/src
    rm -rf "$src" && mkdir -p "$src" && cp "$PROJECT/images/coredns/main.go" "$src/"
    (cd "$src" && go mod init toolboxai.local/coredns >/dev/null 2>&1 &&
      go get "github.com/coredns/coredns@v$COREDNS_VERSION" >/dev/null 2>&1 && go mod tidy &&
      nice -n 10 go build -trimpath -ldflags "-s -w" -o "$COREDNS" .)
  fi
  if [ ! -x "$LOCAL_PATH" ]; then
    local module src
    module=$(go mod download -json "github.com/rancher/local-path-provisioner@v$LOCAL_PATH_VERSION" |
      python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))')
    src=$(dirname "$LOCAL_PATH")/src
    rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$module" "$src" && chmod -R u+w "$src"
    (cd "$src" && rm -rf vendor && nice -n 10 go build -mod=mod -trimpath -ldflags "-s -w" -o "$LOCAL_PATH" .)
  fi
  node_build_images
  echo "the node's pieces built in $CACHE in $((SECONDS - start)) s"
}

# The images every node needs and no registry serves here: the pod sandbox, busybox (the storage
# helper's and the tests' probes) and CoreDNS. Each is a root filesystem and its settings, made
# into an OCI archive by scripts/oci-archive.py.
node_build_images() {
  [ -f "$NODE_IMAGES/coredns.tar" ] && return 0
  local work=$NODE_IMAGES.part
  rm -rf "$work" && mkdir -p "$work"
  (cd "$PROJECT/images/pause" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$work/pause" .)
  image_of() { # NAME:TAG OUT ROOT CHANGE…
    local name=$1 out=$2 root=$3
    shift 3
    printf '%s\n' "$@" >"$work/$out.changes"
    tar --owner=0 --group=0 -C "$root" -cf "$work/$out.rootfs.tar" .
    python3 "$PROJECT/scripts/oci-archive.py" "$name" "$work/$out.rootfs.tar" "$work/$out.changes" "$work/$out.tar"
    rm "$work/$out.rootfs.tar" "$work/$out.changes"
  }
  mkdir -p "$work/pause-root" && mv "$work/pause" "$work/pause-root/pause"
  image_of localhost/pause:1 pause "$work/pause-root" 'ENTRYPOINT ["/pause"]' 'USER 65535:65535'
  local busybox=$work/busybox-root
  mkdir -p "$busybox/bin" "$busybox/etc" "$busybox/tmp"
  chmod 1777 "$busybox/tmp"
  cp "$DEBIAN_ROOT/bin/busybox" "$busybox/bin/busybox"
  local applet
  for applet in $("$busybox/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$busybox/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nprobe:x:10001:10001:probe:/tmp:/bin/sh\n' >"$busybox/etc/passwd"
  printf 'root:x:0:\nprobe:x:10001:\n' >"$busybox/etc/group"
  image_of localhost/busybox:1 busybox "$busybox" 'CMD ["sh"]' 'ENV PATH=/bin'
  mkdir -p "$work/coredns-root" && cp "$COREDNS" "$work/coredns-root/coredns"
  image_of "localhost/coredns:$COREDNS_VERSION" coredns "$work/coredns-root" 'ENTRYPOINT ["/coredns"]' 'USER 65532:65532'
  rm -rf "$work/pause-root" "$busybox" "$work/coredns-root" "$NODE_IMAGES"
  mv "$work" "$NODE_IMAGES"
}

# Runs a command in the node's network namespace.
IN() { nsenter --net="/run/netns/$NETNS" -- "$@"; }

# Where the node's mount namespaces are kept (a private mount, as `ip netns` keeps /run/netns).
MOUNT_NAMESPACES=/run/toolboxai-node

# The node's daemons' own mount namespace, whose mounts are shared among them (the kubelet's
# volumes, containerd's root filesystems): made from a copy of the host's, which stays private.
node_mount_namespace() {
  mkdir -p "$MOUNT_NAMESPACES"
  if ! mountpoint -q "$MOUNT_NAMESPACES"; then
    mount --bind "$MOUNT_NAMESPACES" "$MOUNT_NAMESPACES"
    touch "$RUN/mount-namespaces-ours"
  fi
  mount --make-private "$MOUNT_NAMESPACES"
  MOUNTNS=$MOUNT_NAMESPACES/$NETNS
  echo "$MOUNTNS" >"$RUN/mountns"
  touch "$MOUNTNS"
  unshare --mount="$MOUNTNS" --propagation shared true
  # The pods' network namespaces stay in it (containerd mounts them under /run/netns), unseen
  # by the host's tools; node_cleanup removes their files.
  nsenter --mount="$MOUNTNS" -- mount --make-private /run/netns
}

# The namespace and the host's blackhole route for its range; before the control plane starts in it.
node_prepare() {
  node_built || { echo "the node is not built: run $0 build --node" >&2; exit 1; }
  NETNS=toolboxai-node-$(echo "$DIR" | sha256sum | cut -c1-8)
  ip route add blackhole "$NODE_RANGE" || {
    echo "ERROR: $NODE_RANGE is routed on this host already (another node of this script?): ip route show $NODE_RANGE" >&2
    exit 1
  }
  echo "$NODE_RANGE" >"$RUN/blackhole"
  echo "$NETNS" >"$RUN/netns"
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  # No dummy links in this kernel: the node's address sits on a veth pair kept inside the namespace.
  ip -n "$NETNS" link add node0 type veth peer name node0p
  ip -n "$NETNS" link set node0p up
  ip -n "$NETNS" addr add "$NODE_IP/24" dev node0
  ip -n "$NETNS" link set node0 up
  # Only so that lookups of "the default route's interface" find the node's.
  ip -n "$NETNS" route add default dev node0
  IN sysctl -qw net.ipv4.ip_forward=1
  node_mount_namespace
  local sysctl
  for sysctl in "${KUBELET_SYSCTLS[@]}"; do echo "$sysctl $(cat "/proc/sys/$sysctl")"; done >"$RUN/sysctls"
  # The node's own files: the kubelet's cgroups are new unless another kubelet left some.
  [ -d /sys/fs/cgroup/memory/kubepods ] || touch "$RUN/kubepods-ours"
  # containerd keeps runc's state under /run/containerd whatever its config says.
  [ -d /run/containerd ] || touch "$RUN/run-containerd-ours"
  mkdir -p "$DIR/node/bin" "$DIR/node/cni/net.d" "$DIR/node/kubelet" "$DIR/volumes"
  # The host's own tools first; Debian's unpacked ones for what the host lacks.
  ln -s "$DEBIAN_ROOT/usr/sbin/xtables-nft-multi" "$DIR/node/bin/iptables"
  local tool
  for tool in iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -s "$DEBIAN_ROOT/usr/sbin/xtables-nft-multi" "$DIR/node/bin/$tool"
  done
  for tool in usr/sbin/nft usr/sbin/conntrack usr/sbin/ipset; do ln -s "$DEBIAN_ROOT/$tool" "$DIR/node/bin/"; done
  ln -s "$DEBIAN_ROOT/usr/bin/containerd-shim-runc-v2" "$DIR/node/bin/"
  export PATH=$DIR/node/bin:$PATH
  # Their extensions (the `comment` match kube-router's rules carry) from the same unpacked tree:
  # a host without iptables has none where the binary looks by default.
  export XTABLES_LIBDIR=$DEBIAN_ROOT/usr/lib/x86_64-linux-gnu/xtables
  # CAP_SYS_RESOURCE is not in this machine's bounding set, so nobody may lower oom_score_adj; the
  # kubelet asks -998 for every pod sandbox and runc dies on it. The wrapper clamps negative
  # values to 0 in the bundle's config.json, then runs runc.
  cat >"$DIR/node/bin/runc-wrap" <<EOT
#!/bin/sh
bundle="" previous=""
for argument in "\$@"; do [ "\$previous" = --bundle ] && bundle=\$argument; previous=\$argument; done
[ -n "\$bundle" ] && [ -f "\$bundle/config.json" ] && sed -i -E 's/"oomScoreAdj":-[0-9]+/"oomScoreAdj":0/' "\$bundle/config.json"
exec "$DEBIAN_ROOT/usr/sbin/runc" "\$@"
EOT
  chmod +x "$DIR/node/bin/runc-wrap"
}

node_certs() {
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:%s,DNS:%s\n' \
    "$NODE_IP" "$NODE_NAME" >"$PKI/kubelet.ext"
  issue kubelet-serving "/CN=$NODE_NAME" kubelet.ext
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" client.ext
  # The API server to the kubelet (logs, exec), and kube-router and the storage provisioner:
  # cluster-wide readers and writers of their objects.
  issue apiserver-kubelet "/O=system:masters/CN=kube-apiserver-kubelet-client" client.ext
  issue node-agents "/O=system:masters/CN=toolboxai-node-agents" client.ext
  issue scheduler "/CN=system:kube-scheduler" client.ext
  issue kube-proxy "/CN=system:kube-proxy" client.ext
  kubeconfig "$DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" "$PKI/kubelet.crt" "$PKI/kubelet.key" "$NODE_API_PORT"
  kubeconfig "$DIR/scheduler.kubeconfig" system:kube-scheduler "$PKI/scheduler.crt" "$PKI/scheduler.key" "$NODE_API_PORT"
  kubeconfig "$DIR/kube-proxy.kubeconfig" system:kube-proxy "$PKI/kube-proxy.crt" "$PKI/kube-proxy.key" "$NODE_API_PORT"
  kubeconfig "$DIR/node-agents.kubeconfig" toolboxai-node-agents "$PKI/node-agents.crt" "$PKI/node-agents.key" "$NODE_API_PORT"
}

launch() { # NAME COMMAND…: in the node's namespace, its PID in RUN and its log in LOGS
  local name=$1
  shift
  # A simple command, not the IN function: its PID is then the program's own (nsenter execs it).
  nsenter --net="/run/netns/$NETNS" --mount="$MOUNTNS" -- "$@" >"$LOGS/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

# The API server for the host's clients (pulumi, kubectl, the tests): host loopback to a socket
# file, then, inside the namespace, the socket to the API server. Two relays, no route.
node_api_relay() {
  local socat=$DEBIAN_ROOT/usr/bin/socat
  launch api-relay-inside env LD_LIBRARY_PATH="$DEBIAN_LIBS" "$socat" "UNIX-LISTEN:$RUN/api.sock,fork,mode=600" "TCP:127.0.0.1:$NODE_API_PORT"
  for _ in $(seq 1 50); do [ -S "$RUN/api.sock" ] && break; sleep 0.1; done
  LD_LIBRARY_PATH=$DEBIAN_LIBS "$socat" "TCP-LISTEN:$API_PORT,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$RUN/api.sock" \
    >"$LOGS/api-relay.log" 2>&1 &
  echo $! >"$RUN/api-relay.pid"
}

node_start() {
  local t0=$SECONDS
  node_api_relay
  wait_for "the API server relay" "$RUN/api-relay.pid" curl -sf --cacert "$PKI/ca.crt" "https://127.0.0.1:$API_PORT/readyz"
  launch kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/scheduler.kubeconfig" --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false
  node_containerd
  node_kubelet
  node_kube_proxy
  node_kube_router
  node_coredns
  node_storage
  echo "node $NODE_NAME ready in $((SECONDS - t0)) s"
}

node_containerd() {
  local state=$DIR/node/containerd
  mkdir -p "$state"
  cat >"$state/config.toml" <<EOT
version = 2
root = "$state/root"
state = "$state/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$RUN/containerd.sock"
[ttrpc]
  address = "$RUN/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:1"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$DIR/node/bin/runc-wrap"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$DEBIAN_ROOT/usr/lib/cni"
    conf_dir = "$DIR/node/cni/net.d"
EOT
  cat >"$DIR/node/cni/net.d/10-toolboxai.conflist" <<EOT
{"cniVersion": "1.0.0", "name": "toolboxai", "plugins": [
  {"type": "ptp", "ipMasq": false, "mtu": 1400,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NODE_POD_RANGE"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$DIR/node/cni/ipam"}}]}
EOT
  launch containerd "$DEBIAN_ROOT/usr/bin/containerd" --config "$state/config.toml"
  wait_for containerd "$RUN/containerd.pid" ctr version
  node_load "$NODE_IMAGES"/*.tar
}

ctr() { "$DEBIAN_ROOT/usr/bin/ctr" --address "$RUN/containerd.sock" "$@"; }

node_load() { # ARCHIVE…: OCI archives into the node's containerd, for the kubelet
  local archive
  for archive in "$@"; do ctr -n k8s.io images import "$archive" >/dev/null; done
}

node_kubelet() {
  printf 'nameserver %s\nsearch cluster.local\n' "$DNS_IP" >"$DIR/node/resolv.conf"
  cat >"$DIR/node/kubelet.yaml" <<EOT
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine's cgroups are v1, which kubelet 1.37 refuses unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$RUN/containerd.sock
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $DIR/node/resolv.conf
failSwapOn: false
maxPods: 110
serializeImagePulls: false
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
podLogsDir: $DIR/node/pod-logs
EOT
  launch kubelet "$BIN/kubelet" --config="$DIR/node/kubelet.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" \
    --root-dir="$DIR/node/kubelet" --cert-dir="$DIR/node/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP"
  WAIT_SECONDS=180 wait_for "node $NODE_NAME Ready" "$RUN/kubelet.pid" kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
}

kubectl() { KUBECONFIG="$DIR/admin.kubeconfig" "$BIN/kubectl" "$@"; }

node_kube_proxy() {
  cat >"$DIR/node/kube-proxy.yaml" <<EOT
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_RANGE
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# The conntrack table's sysctls are the host's, not the namespace's: left as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOT
  launch kube-proxy env LD_LIBRARY_PATH="$DEBIAN_LIBS" "$BIN/kube-proxy" --config="$DIR/node/kube-proxy.yaml"
}

# NetworkPolicy: kube-router's firewall alone (iptables-nft and ipset). kube-network-policies
# needs the nftables `queue` expression, which this kernel lacks.
node_kube_router() {
  launch kube-router env LD_LIBRARY_PATH="$DEBIAN_LIBS" "$KUBE_ROUTER" --kubeconfig="$DIR/node-agents.kubeconfig" --hostname-override="$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-ipv6=false \
    --service-cluster-ip-range="$SERVICE_RANGE" --metrics-port=0
  # Ready when the forward chain jumps to its own; a kube-router that cannot write its rules exits,
  # and its log says why.
  wait_for "kube-router's firewall" "$RUN/kube-router.pid" IN env LD_LIBRARY_PATH="$DEBIAN_LIBS" sh -c 'iptables -t filter -S FORWARD | grep -q KUBE-ROUTER-FORWARD'
  sleep 1
  kill -0 "$(cat "$RUN/kube-router.pid")" 2>/dev/null || { echo "kube-router exited; its log: $LOGS" >&2; return 1; }
}

node_coredns() {
  sed "s/@COREDNS_VERSION@/$COREDNS_VERSION/; s/@DNS_IP@/$DNS_IP/" "$PROJECT/scripts/kube-node/coredns.yaml" |
    kubectl apply --server-side -f - >/dev/null
  WAIT_SECONDS=180 wait_for "CoreDNS available" "$RUN/kubelet.pid" kubectl -n kube-system wait --for=condition=Available deployment/coredns --timeout=2s
}

node_storage() {
  sed "s#@VOLUMES@#$DIR/volumes#" "$PROJECT/scripts/kube-node/storage.yaml" | kubectl apply --server-side -f - >/dev/null
  launch local-path-provisioner "$LOCAL_PATH" start --kubeconfig "$DIR/node-agents.kubeconfig" \
    --namespace local-path-storage --service-account-name local-path-provisioner \
    --configmap-name local-path-config --helper-image localhost/busybox:1 \
    --provisioner-name rancher.io/local-path
}

node_stop() {
  local name
  for name in local-path-provisioner kube-router kube-proxy kubelet kube-scheduler; do stop_process "$name"; done
  if [ -f "$RUN/containerd.pid" ] && kill -0 "$(cat "$RUN/containerd.pid")" 2>/dev/null; then
    for name in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks kill -s KILL "$name" >/dev/null 2>&1 || true; done
    sleep 1
    for name in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks delete -f "$name" >/dev/null 2>&1 || true; done
    for name in $(ctr -n k8s.io containers ls -q 2>/dev/null); do ctr -n k8s.io containers delete "$name" >/dev/null 2>&1 || true; done
  fi
  # Containers whose containerd died first: their shims name its socket.
  local shim
  for shim in $(pgrep -f "containerd-shim-runc-v2 .*-address $RUN/containerd.sock" || true); do
    pkill -KILL -P "$shim" 2>/dev/null || true
    # A shim outlives its containers until containerd deletes their tasks: without it, SIGKILL.
    kill -KILL "$shim" 2>/dev/null || true
  done
  stop_process containerd
  for name in api-relay api-relay-inside; do stop_process "$name"; done
}

# After the control plane's processes: what the node left on the host.
node_cleanup() {
  # Mounts under DIR (the pods' volumes and root filesystems), deepest first.
  { awk -v dir="$DIR/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo || true; } | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  if [ -f "$RUN/mountns" ]; then
    local namespace
    namespace=$(cat "$RUN/mountns")
    # The pods' network namespaces: mounted in it alone, but their files are on the host's /run.
    local pod_namespace
    # shellcheck disable=SC2016 # awk's own $5
    for pod_namespace in $(nsenter --mount="$namespace" -- awk '$5 ~ "^/run/netns/cni-" { print $5 }' /proc/self/mountinfo 2>/dev/null); do
      nsenter --mount="$namespace" -- umount "$pod_namespace" 2>/dev/null || true
      rm -f "$pod_namespace"
    done
    # Its last holder gone, the namespace and every mount in it go with this unmount.
    umount "$namespace" 2>/dev/null || true
    rm -f "$namespace" "$RUN/mountns"
  fi
  if [ -f "$RUN/mount-namespaces-ours" ] && [ -z "$(ls -A "$MOUNT_NAMESPACES" 2>/dev/null)" ]; then
    umount "$MOUNT_NAMESPACES" 2>/dev/null || true
    rmdir "$MOUNT_NAMESPACES" 2>/dev/null || true
  fi
  rm -f "$RUN/mount-namespaces-ours"
  if [ -f "$RUN/sysctls" ]; then
    local sysctl value
    while read -r sysctl value; do echo "$value" >"/proc/sys/$sysctl"; done <"$RUN/sysctls"
    rm -f "$RUN/sysctls"
  fi
  if [ -f "$RUN/netns" ]; then
    ip netns delete "$(cat "$RUN/netns")" 2>/dev/null || true
    rm -f "$RUN/netns"
  fi
  if [ -f "$RUN/blackhole" ]; then
    ip route delete blackhole "$(cat "$RUN/blackhole")" 2>/dev/null || true
    rm -f "$RUN/blackhole"
  fi
  # The kubelet links every container's log into /var/log/containers, whatever podLogsDir says.
  find /var/log/containers -maxdepth 1 -type l -lname "$DIR/*" -delete 2>/dev/null || true
  rmdir /var/log/containers 2>/dev/null || true
  # The kubelet's cgroups, when it made them (only empty ones can go).
  if [ -f "$RUN/kubepods-ours" ]; then
    local hierarchy
    for hierarchy in /sys/fs/cgroup/*/kubepods; do
      [ -d "$hierarchy" ] && find "$hierarchy" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -f "$RUN/kubepods-ours"
  fi
  if [ -f "$RUN/run-containerd-ours" ]; then
    # Empty folders only: another containerd may have started meanwhile and share it.
    find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
    rm -f "$RUN/run-containerd-ours"
  fi
  rm -rf "$DIR/node" "$DIR/volumes"
}
