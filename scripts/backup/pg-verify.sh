#!/bin/sh
# Proves that a PostgreSQL backup restores: starts a throwaway server of its own (a private
# folder, a Unix socket, no network), restores the backup into it with pg-restore.sh, and reads
# every table the archive lists. Never touches the live database.
#
#   pg-verify.sh --identity AGE_KEY_FILE [BACKUP_FILE]
#
# Without BACKUP_FILE it checks the newest backup in storage: BACKUP_DIR or the BACKUP_S3_*
# settings (backup-lib.sh).
# The server's programs (initdb, pg_ctl) are found on PATH or in PG_BINDIR.
set -eu
here=$(dirname "$0")
. "$here/backup-lib.sh"

identity=""
while [ $# -gt 0 ]; do
  case $1 in
    --identity) [ $# -ge 2 ] || fail "--identity needs a file"; identity=$2; shift 2 ;;
    -*) fail "usage: pg-verify.sh --identity AGE_KEY_FILE [BACKUP_FILE]" ;;
    *) break ;;
  esac
done
[ -n "$identity" ] || fail "usage: pg-verify.sh --identity AGE_KEY_FILE [BACKUP_FILE]"
[ -n "${PG_BINDIR:-}" ] && PATH="$PG_BINDIR:$PATH"
make_private_dir
if [ $# -ge 1 ]; then backup=$1; else
  storage_init
  backup=$(fetch_latest postgres) || exit 1
fi
server="$private_dir/server"
trap 'pg_ctl --silent -D "$server/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$private_dir"' EXIT INT TERM

initdb --auth=trust --username=verify -D "$server/data" >"$private_dir/initdb.log" 2>&1 ||
  fail "initdb failed: $(cat "$private_dir/initdb.log")"
pg_ctl --silent -w -D "$server/data" -l "$server/log" \
  -o "-c listen_addresses='' -c unix_socket_directories='$server' -c fsync=off" start ||
  fail "the throwaway server did not start: $(cat "$server/log")"

unset DATABASE_PASSWORD_FILE PGPASSFILE PGPORT
export PGHOST="$server" PGUSER=verify
sh "$here/pg-restore.sh" --identity "$identity" --no-owner "$backup" verify

# Every table the archive holds must be there and readable.
age --decrypt --identity "$identity" --output "$private_dir/backup.dump" "$backup"
pg_restore --list "$private_dir/backup.dump" | awk '$4 == "TABLE" && $5 != "DATA" { print $5 "." $6 }' >"$private_dir/tables"
[ -s "$private_dir/tables" ] || fail "$(basename "$backup") holds no table"
count=0
while read -r table; do
  schema=${table%%.*}
  name=${table#*.}
  rows=$(echo 'SELECT count(*) FROM :"schema".:"name"' |
    psql -X -tAq -v ON_ERROR_STOP=1 -d verify -v schema="$schema" -v name="$name") || fail "table $table did not restore"
  log "  $table: $rows rows"
  count=$((count + 1))
done <"$private_dir/tables"
log "verified $(basename "$backup"): $count tables restored and read"
