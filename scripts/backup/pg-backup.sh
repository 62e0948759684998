#!/bin/sh
# Takes an encrypted backup of one PostgreSQL database and prunes the old ones.
# pg_dump's custom format is a consistent snapshot (one transaction), compressed, and what
# pg_restore reads; it is encrypted with age to the public keys in BACKUP_ENCRYPTION_KEY_FILE
# (the private keys never need to be where backups are taken).
#
# Environment: PGHOST, PGPORT (default 5432), PGUSER, PGDATABASE, DATABASE_PASSWORD_FILE,
# BACKUP_ENCRYPTION_KEY_FILE, BACKUP_RETENTION_DAYS (whole days, 1 to 3650), BACKUP_CONNECT_SECONDS
# (how long to wait for the server to answer, default 60), and BACKUP_DIR or the BACKUP_S3_*
# settings (backup-lib.sh). Numbers are checked before storage is touched.
set -eu
. "$(dirname "$0")/backup-lib.sh"

require_env PGHOST PGUSER PGDATABASE
require_int PGPORT 1 65535 5432
require_int BACKUP_RETENTION_DAYS 1 3650
require_file DATABASE_PASSWORD_FILE
require_file BACKUP_ENCRYPTION_KEY_FILE
make_private_dir
storage_init

# libpq reads the password from a file of our own, never from the environment or a command line.
printf '*:*:*:*:%s\n' "$(sed 's/\\/\\\\/g; s/:/\\:/g' "$DATABASE_PASSWORD_FILE")" >"$private_dir/pgpass"
export PGPASSFILE="$private_dir/pgpass"

# pg_isready: accepting connections (it does not log in: a wrong password is pg_dump's to say).
wait_until_answers "PostgreSQL on $PGHOST:${PGPORT:-5432}" \
  pg_isready -h "$PGHOST" -p "${PGPORT:-5432}" -U "$PGUSER" -d "$PGDATABASE"
log "backing up database $PGDATABASE on $PGHOST"
encrypt_and_store postgres dump pg_dump --format=custom --compress=6 --no-password
store_set postgres "$PGDATABASE" \
  "{\"pg_dump\": \"$(tool_version pg_dump)\", \"age\": \"$(tool_version age)\"}"
log "stored $stored ($bytes bytes) in $(storage_where)"
prune postgres "$BACKUP_RETENTION_DAYS"
