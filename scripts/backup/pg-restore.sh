#!/bin/sh
# Restores an encrypted PostgreSQL backup into a database, all or nothing.
#
#   pg-restore.sh --identity AGE_KEY_FILE [--force] [--no-owner] BACKUP_FILE DATABASE
#
# Checks the checksum, decrypts with the private key, and restores in one transaction. The
# database is created when it does not exist; one that holds tables is refused unless --force,
# which drops the objects the backup contains before recreating them. --no-owner skips ownership
# and grants, for a server without the platform's roles (a scratch server).
# Connection: PGHOST, PGPORT, PGUSER and a password from DATABASE_PASSWORD_FILE (or libpq's own
# defaults, such as a local socket).
set -eu
. "$(dirname "$0")/backup-lib.sh"

usage() { fail "usage: pg-restore.sh --identity AGE_KEY_FILE [--force] [--no-owner] BACKUP_FILE DATABASE"; }
identity=""
force=false
roles=""
while [ $# -gt 0 ]; do
  case $1 in
    --identity) [ $# -ge 2 ] || usage; identity=$2; shift 2 ;;
    --force) force=true; shift ;;
    --no-owner) roles="--no-owner --no-privileges"; shift ;;
    -*) usage ;;
    *) break ;;
  esac
done
if [ $# -ne 2 ] || [ -z "$identity" ]; then usage; fi
backup=$1
database=$2
[ -r "$identity" ] || fail "identity file $identity is not readable"
make_private_dir
if [ -n "${DATABASE_PASSWORD_FILE:-}" ]; then
  printf '*:*:*:*:%s\n' "$(sed 's/\\/\\\\/g; s/:/\\:/g' "$DATABASE_PASSWORD_FILE")" >"$private_dir/pgpass"
  export PGPASSFILE="$private_dir/pgpass"
fi

verify_and_decrypt "$backup" "$identity" "$private_dir/backup.dump"
pg_restore --list "$private_dir/backup.dump" >/dev/null ||
  fail "$backup decrypts, but is not a pg_dump archive; nothing was restored"

# Variables are interpolated only in psql's input, not in -c.
exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'name'" |
  psql --no-password -X -tAq -v ON_ERROR_STOP=1 -d postgres -v name="$database" 2>&1) ||
  fail "cannot connect to PostgreSQL: $exists"
if [ "$exists" != "1" ]; then
  createdb --no-password "$database" || fail "cannot create database $database"
  log "created database $database"
fi
tables=$(psql --no-password -X -tAq -d "$database" -c "
  SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")
clean=""
if [ "$tables" -gt 0 ]; then
  $force || fail "database $database is not empty ($tables tables, views or sequences); refusing to restore over it without --force"
  clean="--clean --if-exists"
  log "--force: replacing the $tables objects of $database that the backup contains"
fi

# shellcheck disable=SC2086 # $clean and $roles are two words or none
pg_restore --no-password --exit-on-error --single-transaction $clean $roles \
  --dbname "$database" "$private_dir/backup.dump" ||
  fail "pg_restore failed; the transaction was rolled back and $database is as it was"
log "restored $(basename "$backup") into $database"
