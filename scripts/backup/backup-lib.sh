# Shared by the backup, restore and verify scripts (sourced, POSIX sh: they run in the backup
# Jobs' Alpine image and on a laptop alike). A backup set is three files, named after the service
# and the UTC time it was taken:
#   <service>-<YYYYmmddTHHMMSSZ>.<format>.age   the encrypted backup (age, to the recipients file)
#   <same>.sha256                               its checksum, in sha256sum's format
#   <same>.json                                 a manifest: time, size, database, tool versions
# Nothing is ever written, verified or pruned outside that pattern.

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

# require_env NAME... : each variable must be set and non-empty.
require_env() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail "$name is not set"
  done
}

# require_file NAME : the variable must name a readable file.
require_file() {
  eval "file=\${$1:-}"
  [ -n "$file" ] || fail "$1 is not set"
  [ -r "$file" ] || fail "$1 names $file, which is not a readable file"
}

# A private scratch folder, removed on exit: plaintext and credentials live only there.
make_private_dir() {
  umask 077
  private_dir=$(mktemp -d "${TMPDIR:-/tmp}/toolboxai-backup.XXXXXX")
  trap 'rm -rf "$private_dir"' EXIT INT TERM
}


# The set's time as seconds since the epoch, from its name; empty when the name is not ours.
stamp_epoch() {
  stamp=$(printf '%s\n' "$1" | sed -n 's/^.*-\([0-9]\{8\}T[0-9]\{6\}Z\)\..*$/\1/p')
  [ -n "$stamp" ] || return 0
  date -u -d "$(printf '%s' "$stamp" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3 \4:\5:\6/')" +%s
}

# encrypt_and_store SERVICE FORMAT PRODUCER... : runs PRODUCER (which writes the backup to its
# standard output), encrypts the stream to $BACKUP_ENCRYPTION_KEY_FILE's recipients, and stores
# the set in $BACKUP_DIR. A failed producer or encryption leaves nothing behind.
encrypt_and_store() {
  service=$1
  format=$2
  shift 2
  started=$(date -u +%s)
  started_at=$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ)
  name="$service-$(date -u -d "@$started" +%Y%m%dT%H%M%SZ).$format.age"
  partial="$BACKUP_DIR/.$name.partial"
  [ ! -e "$BACKUP_DIR/$name" ] || fail "$BACKUP_DIR/$name exists already (two backups in one second); not overwriting it"
  status="$private_dir/producer-status"
  # POSIX sh has no pipefail: the producer's exit status is carried out through a file.
  if ! { "$@" || echo "$?" >"$status"; } | age --encrypt --recipients-file "$BACKUP_ENCRYPTION_KEY_FILE" --output "$partial"; then
    rm -f "$partial"
    fail "age could not encrypt the backup to the recipients in $BACKUP_ENCRYPTION_KEY_FILE"
  fi
  if [ -s "$status" ]; then
    rm -f "$partial"
    fail "$1 failed with exit code $(cat "$status"); no backup was stored"
  fi
  mv "$partial" "$BACKUP_DIR/$name"
  (cd "$BACKUP_DIR" && sha256sum "$name" >"$name.sha256")
  stored="$BACKUP_DIR/$name"
}

# write_manifest FILE SERVICE DATABASE TOOLS_JSON : the set's manifest beside it (after
# encrypt_and_store, whose start time it records).
write_manifest() {
  file=$1
  bytes=$(wc -c <"$file" | tr -d ' ')
  sum=$(cut -d' ' -f1 <"$file.sha256")
  cat >"$file.json" <<JSON
{
  "service": "$2",
  "database": "$3",
  "file": "$(basename "$file")",
  "created": "$started_at",
  "bytes": $bytes,
  "sha256": "$sum",
  "encryption": "age",
  "tools": $4
}
JSON
}

# prune SERVICE DAYS : deletes the sets of SERVICE older than DAYS days, judged by the time in
# their names, and nothing else.
prune() {
  cutoff=$(($(date -u +%s) - $2 * 86400))
  for file in "$BACKUP_DIR/$1"-*.age; do
    [ -e "$file" ] || continue
    epoch=$(stamp_epoch "$(basename "$file")")
    [ -n "$epoch" ] || continue
    if [ "$epoch" -lt "$cutoff" ]; then
      rm -f "$file" "$file.sha256" "$file.json"
      log "pruned $(basename "$file") (older than $2 days)"
    fi
  done
}

# The newest backup set of SERVICE in $BACKUP_DIR (names sort by time).
latest_backup() {
  latest=""
  for file in "$BACKUP_DIR/$1"-*.age; do
    [ -e "$file" ] && latest=$file
  done
  [ -n "$latest" ] || fail "no backup of $1 in $BACKUP_DIR"
  printf '%s\n' "$latest"
}

# verify_and_decrypt FILE IDENTITY OUTPUT : checks the checksum, then decrypts. Fails before
# writing anything usable when either is wrong.
verify_and_decrypt() {
  [ -r "$1" ] || fail "backup $1 does not exist or is not readable"
  [ -r "$1.sha256" ] || fail "no checksum $1.sha256 beside the backup; refusing to restore an unverifiable file"
  if ! (cd "$(dirname "$1")" && sha256sum -c --status "$(basename "$1").sha256"); then
    fail "checksum mismatch: $1 is corrupted or was changed after the backup; nothing was restored"
  fi
  if ! age --decrypt --identity "$2" --output "$3" "$1" 2>"$private_dir/age-error"; then
    rm -f "$3"
    fail "cannot decrypt $1 with the identity in $2 ($(cat "$private_dir/age-error")); nothing was restored"
  fi
}

# Versions for the manifest, as JSON strings.
tool_version() { "$@" --version 2>/dev/null | head -n 1 | tr -d '"\\'; }
