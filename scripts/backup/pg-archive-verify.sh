#!/bin/sh
# Proves that the database's physical archive restores: restores the newest completed base backup
# of a CloudNativePG cluster (Barman Cloud's, in the bucket) into a throwaway server of its own (a
# private folder, a Unix socket, no network), replays every archived WAL segment after it, as a
# point-in-time recovery to the archive's end would, then reads every table of every database.
# The archive is only read; the live cluster is never touched.
#
#   pg-archive-verify.sh
#
# ARCHIVE_DESTINATION     the archive's URL (s3://BUCKET/PATH): the cluster's destinationPath
# ARCHIVE_SERVER          the server's folder under it: the cluster's name
# ARCHIVE_REPLAY_SECONDS  how long the restore and replay may take (default 3600)
# PGUSER                  the superuser the base backup holds (default postgres, CloudNativePG's)
# The bucket: BACKUP_S3_ENDPOINT, BACKUP_S3_REGION, S3_ACCESS_KEY_ID_FILE, S3_SECRET_ACCESS_KEY_FILE
# and BACKUP_S3_CA_FILE (backup-lib.sh). Barman Cloud's programs and PostgreSQL's (pg_ctl, psql)
# are found on PATH or in PG_BINDIR.
set -eu
here=$(dirname "$0")
. "$here/backup-lib.sh"

[ $# -eq 0 ] || fail "usage: pg-archive-verify.sh (the archive is named by ARCHIVE_DESTINATION and ARCHIVE_SERVER)"
require_env ARCHIVE_DESTINATION ARCHIVE_SERVER BACKUP_S3_ENDPOINT BACKUP_S3_REGION
case $ARCHIVE_DESTINATION in
  s3://?*) ;;
  *) fail "ARCHIVE_DESTINATION is '$ARCHIVE_DESTINATION'; it must be an s3://BUCKET/PATH URL" ;;
esac
require_file S3_ACCESS_KEY_ID_FILE
require_file S3_SECRET_ACCESS_KEY_FILE
if [ -n "${BACKUP_S3_CA_FILE:-}" ]; then require_file BACKUP_S3_CA_FILE; fi
require_int ARCHIVE_REPLAY_SECONDS 60 86400 3600
replay_seconds=$value
[ -n "${PG_BINDIR:-}" ] && PATH="$PG_BINDIR:$PATH"
make_private_dir
server="$private_dir/server"
data="$server/data"
trap 'pg_ctl --silent -D "$data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$private_dir"' EXIT INT TERM
mkdir "$server"

# Barman Cloud (boto3) reads the credentials from a file of its own in the private folder, which
# this process's children (the server's restore_command) find too; never from an environment.
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$(cat "$S3_ACCESS_KEY_ID_FILE")" "$(cat "$S3_SECRET_ACCESS_KEY_FILE")" >"$private_dir/aws-credentials"
AWS_SHARED_CREDENTIALS_FILE=$private_dir/aws-credentials
AWS_DEFAULT_REGION=$BACKUP_S3_REGION
HOME=$private_dir
export AWS_SHARED_CREDENTIALS_FILE AWS_DEFAULT_REGION HOME
if [ -n "${BACKUP_S3_CA_FILE:-}" ]; then export AWS_CA_BUNDLE="$BACKUP_S3_CA_FILE"; fi
ARCHIVE_ENDPOINT=${BACKUP_S3_ENDPOINT%/}
ARCHIVE_WAL_ERRORS="$private_dir/wal-errors"
export ARCHIVE_ENDPOINT ARCHIVE_WAL_ERRORS ARCHIVE_DESTINATION ARCHIVE_SERVER
archive="$ARCHIVE_DESTINATION/$ARCHIVE_SERVER"

# The newest base backup that completed (a running or failed one restores nothing).
barman-cloud-backup-list --endpoint-url "$ARCHIVE_ENDPOINT" --format json \
  "$ARCHIVE_DESTINATION" "$ARCHIVE_SERVER" >"$private_dir/backups.json" 2>"$private_dir/error" ||
  fail "cannot list the base backups in $archive: $(tail -n 5 "$private_dir/error")"
python3 - "$private_dir/backups.json" >"$private_dir/newest" <<'PY' ||
import json, sys
done = [b for b in json.load(open(sys.argv[1]))["backups_list"] if b.get("status") == "DONE"]
if done:
    newest = max(done, key=lambda b: b["backup_id"])
    print(newest["backup_id"], newest.get("end_time") or "")
PY
  fail "cannot read the listing of $archive's base backups"
read -r backup_id backup_end <"$private_dir/newest" ||
  fail "no completed base backup in $archive: the cluster's scheduled base backup has not run or failed (kubectl get backups.postgresql.cnpg.io)"

log "restoring base backup $backup_id (ended $backup_end) from $archive"
barman-cloud-restore --endpoint-url "$ARCHIVE_ENDPOINT" \
  "$ARCHIVE_DESTINATION" "$ARCHIVE_SERVER" "$backup_id" "$data" 2>"$private_dir/error" ||
  fail "cannot restore base backup $backup_id from $archive: $(tail -n 5 "$private_dir/error")"
chmod 0700 "$data"
# A backup taken on a standby holds its standby.signal: this server recovers, then opens.
rm -f "$data/standby.signal" "$data/recovery.signal" "$data/postmaster.pid"
: >"$data/recovery.signal"

# Each WAL segment from the archive. "Not found" (1) is the archive's end, and the server opens;
# any other failure (the bucket unreachable) stops the recovery, which PostgreSQL does on an exit
# status over 125, rather than open the database at a point short of the archive's end.
cat >"$server/restore-wal.sh" <<'SH'
barman-cloud-wal-restore --endpoint-url "$ARCHIVE_ENDPOINT" \
  "$ARCHIVE_DESTINATION" "$ARCHIVE_SERVER" "$1" "$2" && exit 0
status=$?
[ "$status" -eq 1 ] && exit 1
echo "barman-cloud-wal-restore failed (exit $status) for $1" >>"$ARCHIVE_WAL_ERRORS"
exit 126
SH
printf 'local all all trust\n' >"$server/pg_hba.conf"
: >"$server/pg_ident.conf"
# Last in the configuration's order: these win over the cluster's own (its TLS files, its
# archive_command, its sockets and log folders, its standbys) and stay in this folder. The
# cluster's own copy is read-only (CloudNativePG forbids ALTER SYSTEM): replaced, not edited.
rm -f "$data/postgresql.auto.conf"
cat >"$data/postgresql.auto.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$server'
ssl = off
hba_file = '$server/pg_hba.conf'
ident_file = '$server/pg_ident.conf'
logging_collector = off
log_destination = 'stderr'
archive_mode = off
restore_command = 'sh $server/restore-wal.sh %f %p'
recovery_target_timeline = 'latest'
primary_conninfo = ''
primary_slot_name = ''
synchronous_standby_names = ''
hot_standby = off
shared_preload_libraries = ''
shared_buffers = '64MB'
fsync = off
CONF

# pg_ctl waits until the server runs (a server that cannot recover, its WAL missing from the
# archive, stops); with hot_standby off, it answers once the replay has ended and it has opened.
stopped() {
  [ -s "$ARCHIVE_WAL_ERRORS" ] && fail "the WAL replay stopped: $(cat "$ARCHIVE_WAL_ERRORS"); the server's log ends: $(tail -n 5 "$server/log")"
  fail "base backup $backup_id did not recover, the server stopped: $(tail -n 10 "$server/log")"
}
pg_ctl --silent -w -t "$replay_seconds" -D "$data" -l "$server/log" start >/dev/null 2>&1 || stopped
export PGHOST="$server" PGUSER="${PGUSER:-postgres}"
unset PGPORT PGPASSFILE DATABASE_PASSWORD_FILE
deadline=$(($(date +%s) + replay_seconds))
until [ "$(psql -X -tAq -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do
  pg_ctl --silent -D "$data" status >/dev/null 2>&1 || stopped
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "base backup $backup_id did not recover within $replay_seconds s: $(tail -n 10 "$server/log")"
  sleep 2
done
segments=$(grep -c 'restored log file' "$server/log" || true)
[ "$segments" -gt 0 ] || fail "no WAL segment was restored from $archive: the base backup cannot be consistent without its own"
replayed_to=$(sed -n 's/.*last completed transaction was at log time \(.*\)$/\1/p' "$server/log" | tail -n 1)
log "replayed $segments WAL segments from the archive; last transaction replayed: ${replayed_to:-none after the base backup}"

# Every table of every database the cluster holds must be there and readable.
psql -X -tAq -v ON_ERROR_STOP=1 -d postgres >"$private_dir/databases" 2>"$private_dir/error" \
  -c 'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname' ||
  fail "cannot list the recovered databases: $(cat "$private_dir/error")"
: >"$private_dir/all-tables"
while IFS= read -r database; do
  read_every_table "$database" "$private_dir/tables" ||
    fail "a table of database $database did not recover or cannot be read: $(cat "$private_dir/psql-error")"
  while IFS= read -r table; do printf '%s: %s\n' "$database" "$table"; done \
    <"$private_dir/tables" >>"$private_dir/all-tables"
done <"$private_dir/databases"
[ -s "$private_dir/all-tables" ] || fail "base backup $backup_id and its WAL hold no table"
while read -r table; do log "  $table"; done <"$private_dir/all-tables"
log "verified the archive: base backup $backup_id and $segments WAL segments, $(wc -l <"$private_dir/all-tables" | tr -d ' ') tables restored and read"
