#!/bin/sh
# Proves that a PostgreSQL backup restores: starts a throwaway server of its own (a private
# folder, a Unix socket, no network), restores the backup into it with pg-restore.sh, and reads
# every table of the restored database. Never touches the live database.
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
  fetch_latest postgres
  backup="$private_dir/$newest"
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

# Every table must be there and readable.
read_every_table verify "$private_dir/tables" ||
  fail "a table of $(basename "$backup") did not restore or cannot be read: $(cat "$private_dir/psql-error")"
[ -s "$private_dir/tables" ] || fail "$(basename "$backup") holds no table"
while read -r table; do log "  $table"; done <"$private_dir/tables"
log "verified $(basename "$backup"): $(wc -l <"$private_dir/tables" | tr -d ' ') tables restored and read"
