#!/bin/sh
# Restores an encrypted Redis snapshot into a data folder, ready for Redis to start on.
#
#   redis-restore.sh --identity AGE_KEY_FILE [--force] BACKUP_FILE DATA_DIR
#
# Checks the checksum and decrypts, then loads the snapshot into a throwaway redis-server on a
# private Unix socket and has it write both dump.rdb and the append-only file: Redis with
# `appendonly yes` starts from the AOF and would ignore a lone dump.rdb. A DATA_DIR that holds
# data is refused unless --force. Stop Redis (scale it to zero) before restoring into its volume.
set -eu
. "$(dirname "$0")/backup-lib.sh"

usage() { fail "usage: redis-restore.sh --identity AGE_KEY_FILE [--force] BACKUP_FILE DATA_DIR"; }
identity=""
force=false
while [ $# -gt 0 ]; do
  case $1 in
    --identity) [ $# -ge 2 ] || usage; identity=$2; shift 2 ;;
    --force) force=true; shift ;;
    -*) usage ;;
    *) break ;;
  esac
done
if [ $# -ne 2 ] || [ -z "$identity" ]; then usage; fi
backup=$1
data=$2
[ -r "$identity" ] || fail "identity file $identity is not readable"
[ -d "$data" ] || fail "data folder $data does not exist"
make_private_dir

verify_and_decrypt "$backup" "$identity" "$private_dir/dump.rdb"
if [ -e "$data/dump.rdb" ] || [ -e "$data/appendonlydir" ]; then
  $force || fail "$data already holds Redis data; refusing to replace it without --force"
  log "--force: replacing the data in $data"
fi
rm -rf "$data/appendonlydir" "$data/dump.rdb"
mv "$private_dir/dump.rdb" "$data/dump.rdb"

socket="$private_dir/redis.sock"
redis-server --port 0 --unixsocket "$socket" --unixsocketperm 700 --dir "$data" \
  --dbfilename dump.rdb --appendonly no --save "" --daemonize no --logfile "$private_dir/redis.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$private_dir"' EXIT INT TERM
tries=0
until redis-cli -s "$socket" ping >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 100 ] || fail "the throwaway redis-server did not load the snapshot: $(cat "$private_dir/redis.log")"
  sleep 0.1
done
keys=$(redis-cli -s "$socket" dbsize)
redis-cli -s "$socket" config set appendonly yes >/dev/null
# The switch rewrites the AOF from the loaded data; wait until it is written.
until redis-cli -s "$socket" info persistence | grep -q '^aof_rewrite_in_progress:0' &&
  ! redis-cli -s "$socket" info persistence | grep -q '^aof_rewrite_scheduled:1'; do
  sleep 0.1
done
redis-cli -s "$socket" save >/dev/null
redis-cli -s "$socket" shutdown nosave >/dev/null 2>&1 || true
wait "$server" 2>/dev/null || true
log "restored $(basename "$backup") into $data ($keys keys in database 0)"
