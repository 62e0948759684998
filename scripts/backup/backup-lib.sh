# Shared by the backup, restore and verify scripts (sourced, POSIX sh: they run in the backup
# Jobs' Alpine image and on a laptop alike). A backup set is three files, in a folder or a bucket,
# named after the service and the UTC time it was taken:
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

# Storage: a folder (BACKUP_DIR) or an S3-compatible bucket (BACKUP_S3_ENDPOINT, BACKUP_S3_BUCKET,
# BACKUP_S3_REGION, BACKUP_S3_PREFIX, and the credentials in S3_ACCESS_KEY_ID_FILE and
# S3_SECRET_ACCESS_KEY_FILE), reached with curl's AWS Signature V4 and path-style URLs.
storage_init() {
  if [ -n "${BACKUP_S3_BUCKET:-}" ]; then
    storage=s3
    require_env BACKUP_S3_ENDPOINT BACKUP_S3_REGION
    require_file S3_ACCESS_KEY_ID_FILE
    require_file S3_SECRET_ACCESS_KEY_FILE
    # The credentials go to curl in a config file of our own, never on its command line.
    printf 'user = "%s:%s"\n' "$(cat "$S3_ACCESS_KEY_ID_FILE")" "$(cat "$S3_SECRET_ACCESS_KEY_FILE")" \
      >"$private_dir/curl-auth"
    bucket_url="${BACKUP_S3_ENDPOINT%/}/$BACKUP_S3_BUCKET"
    staging="$private_dir"
  else
    storage=dir
    require_env BACKUP_DIR
    [ -d "$BACKUP_DIR" ] || fail "BACKUP_DIR $BACKUP_DIR is not a folder"
    staging="$BACKUP_DIR"
  fi
}

s3() {
  curl --silent --show-error --fail --aws-sigv4 "aws:amz:$BACKUP_S3_REGION:s3" \
    --config "$private_dir/curl-auth" "$@"
}

# storage_put NAME FILE : stores FILE as NAME (a folder: FILE is already beside it).
storage_put() {
  if [ "$storage" = dir ]; then
    mv "$2" "$BACKUP_DIR/$1"
  else
    s3 --upload-file "$2" "$bucket_url/${BACKUP_S3_PREFIX:-}$1" >/dev/null ||
      fail "could not upload $1 to $bucket_url"
    rm -f "$2"
  fi
}

# storage_get NAME FILE : copies the stored NAME to FILE; fails when there is none.
storage_get() {
  if [ "$storage" = dir ]; then
    [ -r "$BACKUP_DIR/$1" ] || return 1
    cp "$BACKUP_DIR/$1" "$2"
  else
    s3 --output "$2" "$bucket_url/${BACKUP_S3_PREFIX:-}$1" 2>/dev/null
  fi
}

storage_exists() {
  if [ "$storage" = dir ]; then
    [ -e "$BACKUP_DIR/$1" ]
  else
    s3 --head "$bucket_url/${BACKUP_S3_PREFIX:-}$1" >/dev/null 2>&1
  fi
}

storage_delete() {
  if [ "$storage" = dir ]; then
    rm -f "$BACKUP_DIR/$1"
  else
    s3 --request DELETE "$bucket_url/${BACKUP_S3_PREFIX:-}$1" >/dev/null
  fi
}

# storage_list SERVICE : the names of SERVICE's encrypted backups, oldest first.
storage_list() {
  if [ "$storage" = dir ]; then
    for file in "$BACKUP_DIR/$1"-*.age; do
      [ -e "$file" ] && basename "$file"
    done
    return 0
  fi
  token=""
  while :; do
    if [ -n "$token" ]; then
      page=$(s3 --get --data-urlencode "list-type=2" --data-urlencode "prefix=${BACKUP_S3_PREFIX:-}$1-" \
        --data-urlencode "continuation-token=$token" "$bucket_url") || fail "could not list $bucket_url"
    else
      page=$(s3 --get --data-urlencode "list-type=2" --data-urlencode "prefix=${BACKUP_S3_PREFIX:-}$1-" \
        "$bucket_url") || fail "could not list $bucket_url"
    fi
    printf '%s' "$page" | tr '<' '\n' | sed -n 's/^Key>//p' | sed "s|^${BACKUP_S3_PREFIX:-}||" |
      grep '\.age$' || true
    printf '%s' "$page" | grep -q '<IsTruncated>true</IsTruncated>' || break
    token=$(printf '%s' "$page" | tr '<' '\n' | sed -n 's/^NextContinuationToken>//p')
  done | sort
}

# encrypt_and_store SERVICE FORMAT PRODUCER... : runs PRODUCER (which writes the backup to its
# standard output), encrypts the stream to $BACKUP_ENCRYPTION_KEY_FILE's recipients, and stores
# the set. A failed producer or encryption leaves nothing behind. Sets $stored (the set's name)
# and $staged (the encrypted file, until the set is stored).
encrypt_and_store() {
  service=$1
  format=$2
  shift 2
  started=$(date -u +%s)
  started_at=$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ)
  name="$service-$(date -u -d "@$started" +%Y%m%dT%H%M%SZ).$format.age"
  ! storage_exists "$name" || fail "$name exists already (two backups in one second); not overwriting it"
  partial="$staging/.$name.partial"
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
  sha256sum "$partial" | sed "s|  .*|  $name|" >"$private_dir/$name.sha256"
  bytes=$(wc -c <"$partial" | tr -d ' ')
  stored=$name
}

# store_set SERVICE DATABASE TOOLS_JSON : writes the manifest of the set encrypt_and_store made,
# then stores the set: the backup first, its checksum, and the manifest last, so a set
# with a manifest is complete.
store_set() {
  sum=$(cut -d' ' -f1 <"$private_dir/$stored.sha256")
  cat >"$private_dir/$stored.json" <<JSON
{
  "service": "$1",
  "database": "$2",
  "file": "$stored",
  "created": "$started_at",
  "bytes": $bytes,
  "sha256": "$sum",
  "encryption": "age",
  "tools": $3
}
JSON
  storage_put "$stored" "$partial"
  storage_put "$stored.sha256" "$private_dir/$stored.sha256"
  storage_put "$stored.json" "$private_dir/$stored.json"
}

# prune SERVICE DAYS : deletes the sets of SERVICE older than DAYS days, judged by the time in
# their names, and nothing else.
prune() {
  cutoff=$(($(date -u +%s) - $2 * 86400))
  storage_list "$1" >"$private_dir/sets"
  while read -r name; do
    epoch=$(stamp_epoch "$name")
    [ -n "$epoch" ] || continue
    if [ "$epoch" -lt "$cutoff" ]; then
      for file in "$name" "$name.sha256" "$name.json"; do storage_delete "$file"; done
      log "pruned $name (older than $2 days)"
    fi
  done <"$private_dir/sets"
}

# fetch_latest SERVICE : copies the newest set of SERVICE into the private folder; prints the
# local path of its backup file.
fetch_latest() {
  latest=$(storage_list "$1" | tail -n 1)
  [ -n "$latest" ] || fail "no backup of $1 in $(storage_where)"
  storage_get "$latest" "$private_dir/$latest" || fail "cannot read $latest from $(storage_where)"
  storage_get "$latest.sha256" "$private_dir/$latest.sha256" ||
    fail "no checksum $latest.sha256 in $(storage_where); refusing to restore an unverifiable file"
  printf '%s\n' "$private_dir/$latest"
}

storage_where() {
  if [ "$storage" = dir ]; then echo "$BACKUP_DIR"; else echo "$bucket_url/${BACKUP_S3_PREFIX:-}"; fi
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
