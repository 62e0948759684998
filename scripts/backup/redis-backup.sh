#!/bin/sh
# Takes an encrypted RDB snapshot of Redis and prunes the old ones. `redis-cli --rdb` asks the
# server for a fresh snapshot over the replication protocol: consistent, and the server keeps
# serving. Encrypted with age to the public keys in BACKUP_ENCRYPTION_KEY_FILE.
#
# Environment: REDIS_HOST, REDIS_PORT (default 6379), or in Sentinel mode REDIS_SENTINEL_HOSTS
# (host:port,…) and REDIS_SENTINEL_MASTER, whose primary is backed up; REDIS_PASSWORD_FILE (the
# servers' and the Sentinels'),
# BACKUP_ENCRYPTION_KEY_FILE, BACKUP_RETENTION_DAYS (whole days, 1 to 3650), BACKUP_CONNECT_SECONDS
# (how long to wait for the server to answer, default 60), and BACKUP_DIR or the BACKUP_S3_*
# settings (backup-lib.sh). Numbers are checked before storage is touched.
set -eu
. "$(dirname "$0")/backup-lib.sh"

if [ -n "${REDIS_SENTINEL_HOSTS:-}" ]; then
  require_env REDIS_SENTINEL_MASTER
else
  require_env REDIS_HOST
  require_int REDIS_PORT 1 65535 6379
fi
require_int BACKUP_RETENTION_DAYS 1 3650
require_file REDIS_PASSWORD_FILE
require_file BACKUP_ENCRYPTION_KEY_FILE
make_private_dir
storage_init

# redis-cli reads the password from REDISCLI_AUTH: never on its command line.
REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE")
export REDISCLI_AUTH

# The primary, as the first Sentinel that answers names it: the freshest copy of the data.
ask_sentinels() {
  for sentinel in $(printf '%s' "$REDIS_SENTINEL_HOSTS" | tr ',' ' '); do
    reply=$(redis-cli -h "${sentinel%:*}" -p "${sentinel##*:}" --no-auth-warning \
      SENTINEL get-master-addr-by-name "$REDIS_SENTINEL_MASTER" 2>/dev/null) || continue
    host=$(printf '%s\n' "$reply" | sed -n 1p)
    port=$(printf '%s\n' "$reply" | sed -n 2p)
    case "$port" in '' | *[!0-9]*) continue ;; esac
    [ -n "$host" ] || continue
    REDIS_HOST=$host REDIS_PORT=$port
    return 0
  done
  return 1
}
if [ -n "${REDIS_SENTINEL_HOSTS:-}" ]; then
  wait_until_answers "a Sentinel of $REDIS_SENTINEL_HOSTS naming the primary $REDIS_SENTINEL_MASTER" \
    ask_sentinels
  log "the Sentinels name $REDIS_HOST:$REDIS_PORT the primary"
fi

snapshot() {
  redis-cli -h "$REDIS_HOST" -p "${REDIS_PORT:-6379}" --no-auth-warning --rdb "$private_dir/dump.rdb" >&2 &&
    cat "$private_dir/dump.rdb" && rm -f "$private_dir/dump.rdb"
}

# Any reply will do (a wrong password is not something to wait out: the snapshot says so).
wait_until_answers "Redis on $REDIS_HOST:${REDIS_PORT:-6379}" \
  redis-cli -h "$REDIS_HOST" -p "${REDIS_PORT:-6379}" --no-auth-warning ping
log "backing up Redis on $REDIS_HOST"
encrypt_and_store redis rdb snapshot
store_set redis "all" \
  "{\"redis-cli\": \"$(tool_version redis-cli)\", \"age\": \"$(tool_version age)\"}"
log "stored $stored ($bytes bytes) in $(storage_where)"
prune redis "$BACKUP_RETENTION_DAYS"
