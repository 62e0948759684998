#!/usr/bin/env bash
# A private Docker engine for `npm run e2e`'s docker phase, beside any other on the machine:
#   bash scripts/docker-engine.sh install      Debian's docker.io and busybox-static, if missing
#   bash scripts/docker-engine.sh start DIR    dockerd in a network namespace of its own, its socket,
#                                              data and PID under DIR; prints the DOCKER_HOST; loads
#                                              the image local/base:1
#   bash scripts/docker-engine.sh exec DIR CMD…  runs a client (curl, …) in the engine's namespace,
#                                              where the published ports listen on 127.0.0.1
#   bash scripts/docker-engine.sh stop DIR     stops that dockerd (by its PID file), removes the
#                                              namespace and what start wrote under DIR
# The engine runs in a network namespace with iptables on: Docker's internal networks and its
# isolation between networks are enforced by rules in that namespace alone; the host's firewall,
# links and routes are untouched, but for a blackhole route for the engine's address pool, so the
# host never sends a packet into it. Containers can reach nothing outside the namespace.
# No registry is reachable here, so the image local/base:1 is made locally: busybox (static) and an
# /etc/passwd with UID 10001. scripts/images.sh loads the offline image set into the engine.
set -euo pipefail
command=${1:?usage: docker-engine.sh install | start DIR | exec DIR COMMAND… | stop DIR}
# Docker's networks, inside the namespace; one private range, away from the host's own.
address_pool=172.30.0.0/16

# One namespace per engine folder, so two runs never share one.
namespace_of() { echo "toolboxai-docker-$(echo "$1" | sha256sum | cut -c1-8)"; }

case "$command" in
install)
  missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  # The package, not any /bin/busybox: Debian's busybox is dynamically linked, and the image has
  # no libc. busybox-static replaces it.
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
    missing+=(busybox-static)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian's packages" >&2
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  ;;
start)
  dir=${2:?usage: docker-engine.sh start DIR}
  # The image holds busybox alone: a dynamically linked one would not even start in it.
  if ldd /bin/busybox >/dev/null 2>&1; then
    echo "ERROR: /bin/busybox is dynamically linked; install busybox-static (bash scripts/docker-engine.sh install)" >&2
    exit 1
  fi
  mkdir -p "$dir/data" "$dir/exec" "$dir/rootfs/bin" "$dir/rootfs/etc"
  dir=$(cd "$dir" && pwd)
  namespace=$(namespace_of "$dir")
  # The engine's networks come from this pool; the host routes it nowhere while the engine runs.
  ip netns add "$namespace"
  echo "$namespace" >"$dir/netns"
  ip netns exec "$namespace" ip link set lo up
  ip route add blackhole "$address_pool" || {
    echo "ERROR: $address_pool is routed on this host already (another engine of this script?): ip route show $address_pool" >&2
    exit 1
  }
  echo "$address_pool" >"$dir/blackhole"
  socket="$dir/docker.sock"
  # nsenter, not `ip netns exec`: that one remounts /sys, hiding the cgroup hierarchy from dockerd.
  nsenter --net="/run/netns/$namespace" dockerd --storage-driver=overlay2 --iptables=true \
    --bridge=none --default-address-pool "base=$address_pool,size=24" \
    -H "unix://$socket" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
  export DOCKER_HOST="unix://$socket"
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { cat "$dir/dockerd.log" >&2; exit 1; }
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for tool in sh wget nc httpd cat mkdir echo id touch find test sleep true false ls; do
    ln -sf busybox "$dir/rootfs/bin/$tool"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001:app:/tmp:/bin/sh\n' >"$dir/rootfs/etc/passwd"
  printf 'root:x:0:\napp:x:10001:\n' >"$dir/rootfs/etc/group"
  tar -C "$dir/rootfs" -c . | docker import - local/base:1 >/dev/null
  echo "$DOCKER_HOST"
  ;;
exec)
  dir=${2:?usage: docker-engine.sh exec DIR COMMAND…}
  shift 2
  [ -f "$dir/netns" ] || { echo "ERROR: no engine started under $dir" >&2; exit 1; }
  exec nsenter --net="/run/netns/$(cat "$dir/netns")" "$@"
  ;;
stop)
  dir=${2:?usage: docker-engine.sh stop DIR}
  # The containers first, at once: dockerd's own shutdown would give each its stop timeout.
  if [ -S "$dir/docker.sock" ]; then
    containers=$(DOCKER_HOST="unix://$dir/docker.sock" docker ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086 # one argument per container
    [ -z "$containers" ] || DOCKER_HOST="unix://$dir/docker.sock" docker rm -f $containers >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # A container whose engine died first: its shim names this engine's folder.
  for shim in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/exec/" || true); do
    pkill -KILL -P "$shim" 2>/dev/null || true
    kill "$shim" 2>/dev/null || true
  done
  # Only what start wrote: the namespace, the route, the engine's folders under DIR.
  if [ -f "$dir/netns" ]; then
    ip netns delete "$(cat "$dir/netns")" 2>/dev/null || true
  fi
  if [ -f "$dir/blackhole" ]; then
    ip route delete blackhole "$(cat "$dir/blackhole")" 2>/dev/null || true
  fi
  # dockerd leaves its containers' mounts behind when it is killed mid-way.
  if [ -d "$dir/exec" ] || [ -d "$dir/data" ]; then
    { grep -o " $dir/[^ ]*" /proc/self/mounts || true; } | sort -r |
      while read -r mount; do umount -l "$mount" || true; done
  fi
  rm -rf "$dir/data" "$dir/exec" "$dir/rootfs" "$dir/docker.sock" "$dir/dockerd.pid" \
    "$dir/dockerd.log" "$dir/netns" "$dir/blackhole"
  rmdir "$dir" 2>/dev/null || true
  ;;
*)
  echo "usage: docker-engine.sh install | start DIR | exec DIR COMMAND… | stop DIR" >&2
  exit 2
  ;;
esac
