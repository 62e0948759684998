#!/usr/bin/env bash
# A private Docker engine for `npm run e2e`'s docker phase, beside any other on the machine:
#   bash scripts/docker-engine.sh install      Debian's docker.io and busybox-static, if missing
#   bash scripts/docker-engine.sh start DIR    dockerd with its socket, data and PID under DIR;
#                                              prints the DOCKER_HOST, and the image local/base:1
#   bash scripts/docker-engine.sh stop DIR     stops that dockerd (by its PID file), removes DIR
# No registry is reachable here, so the image is made locally: busybox (static) and an
# /etc/passwd with UID 10001, imported as local/base:1. The engine uses the vfs storage driver
# and neither iptables nor a default bridge (a container cannot change the host's firewall);
# networks the program creates still work, and containers reach each other by name.
set -euo pipefail
command=${1:?usage: docker-engine.sh install | start DIR | stop DIR}

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
  socket="$dir/docker.sock"
  dockerd --storage-driver=vfs --iptables=false --bridge=none \
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
stop)
  dir=${2:?usage: docker-engine.sh stop DIR}
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # Only what start wrote: the engine's folders under DIR (vfs copies are large).
  rm -rf "$dir/data" "$dir/exec" "$dir/rootfs" "$dir/docker.sock" "$dir/dockerd.pid" "$dir/dockerd.log"
  rmdir "$dir" 2>/dev/null || true
  ;;
*)
  echo "usage: docker-engine.sh install | start DIR | stop DIR" >&2
  exit 2
  ;;
esac
