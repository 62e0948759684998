# shellcheck shell=sh
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

# require_int NAME MIN MAX [DEFAULT] : the variable (DEFAULT when it is unset or empty) must be a
# whole number from MIN to MAX. The scripts check their numbers before storage is touched: sh
# arithmetic reads a word such as `thirty` as 0, and a retention of 0 days would prune every set.
require_int() {
  eval "value=\${$1:-}"
  [ -n "$value" ] || value=${4:-}
  case $value in
    '' | 0* | *[!0-9]*) ;;
    *) if [ "${#value}" -le "${#3}" ] && [ "$value" -ge "$2" ] && [ "$value" -le "$3" ]; then return 0; fi ;;
  esac
  fail "$1 is '$value'; it must be a whole number from $2 to $3. Nothing was done"
}

# require_file NAME : the variable must name a readable file.
require_file() {
  eval "file=\${$1:-}"
  [ -n "$file" ] || fail "$1 is not set"
  [ -r "$file" ] || fail "$1 names $file, which is not a readable file"
}

# wait_until_answers WHAT COMMAND... : runs COMMAND every 2 s until it succeeds, for at most
# BACKUP_CONNECT_SECONDS (default 60), then fails naming WHAT. A Job's new pod may not reach its
# server at once: the cluster's network policy can admit a new pod's address a moment after it
# starts, and a server may be restarting.
wait_until_answers() {
  what=$1
  shift
  require_int BACKUP_CONNECT_SECONDS 1 3600 60
  patience=$value waited=0
  until "$@" >/dev/null 2>&1; do
    [ "$waited" -lt "$patience" ] || fail "$what did not answer within $patience s; nothing was done"
    [ "$waited" -gt 0 ] || log "waiting for $what to answer"
    sleep 2
    waited=$((waited + 2))
  done
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

# read_every_table DATABASE OUT : reads every table of DATABASE (psql, as PGHOST and PGUSER say),
# writing `schema.table: N rows` for each to OUT; fails with psql's error in
# $private_dir/psql-error when one cannot be read. The names come from the database's catalogue,
# quoted by PostgreSQL (%I): names with spaces, dots or quotes are read as they are.
read_every_table() {
  PGDATABASE=$1 psql -X -tAq -v ON_ERROR_STOP=1 >"$2" 2>"$private_dir/psql-error" <<'SQL'
SELECT format('SELECT %L || '': '' || count(*) || '' rows'' FROM %I.%I',
              format('%I.%I', schemaname, tablename), schemaname, tablename)
FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY schemaname, tablename
\gexec
SQL
}

# Storage: a folder (BACKUP_DIR) or an S3-compatible bucket (BACKUP_S3_ENDPOINT, BACKUP_S3_BUCKET,
# BACKUP_S3_REGION, BACKUP_S3_PREFIX, and the credentials in S3_ACCESS_KEY_ID_FILE and
# S3_SECRET_ACCESS_KEY_FILE), reached with curl's AWS Signature V4 and path-style URLs.
# BACKUP_S3_CA_FILE (optional; empty: unset) names a PEM file of the CA certificates that sign the
# endpoint's certificate (a MinIO or Ceph with a private CA); unset: the system's trust store.
storage_init() {
  if [ -n "${BACKUP_S3_BUCKET:-}" ]; then
    storage=s3
    require_env BACKUP_S3_ENDPOINT BACKUP_S3_REGION
    require_file S3_ACCESS_KEY_ID_FILE
    require_file S3_SECRET_ACCESS_KEY_FILE
    if [ -n "${BACKUP_S3_CA_FILE:-}" ] &&
      ! { [ -f "$BACKUP_S3_CA_FILE" ] && [ -r "$BACKUP_S3_CA_FILE" ] && [ -s "$BACKUP_S3_CA_FILE" ]; }; then
      fail "BACKUP_S3_CA_FILE is '$BACKUP_S3_CA_FILE'; it must name a readable, non-empty PEM file of the bucket's CA certificates (or be empty: the system's trust store). Nothing was done"
    fi
    # The credentials go to curl in a config file of our own, never on its command line.
    printf 'user = "%s:%s"\n' "$(cat "$S3_ACCESS_KEY_ID_FILE")" "$(cat "$S3_SECRET_ACCESS_KEY_FILE")" \
      >"$private_dir/curl-auth"
    bucket_url="${BACKUP_S3_ENDPOINT%/}/$BACKUP_S3_BUCKET"
    staging="$private_dir"
  else
    storage=dir
    [ -n "${BACKUP_DIR:-}" ] ||
      fail "neither BACKUP_DIR (a folder) nor BACKUP_S3_BUCKET (a bucket, with BACKUP_S3_ENDPOINT, BACKUP_S3_REGION, S3_ACCESS_KEY_ID_FILE and S3_SECRET_ACCESS_KEY_FILE) is set: say where the backups are"
    [ -d "$BACKUP_DIR" ] || fail "BACKUP_DIR $BACKUP_DIR is not a folder"
    staging="$BACKUP_DIR"
  fi
}

# A refused or timed-out connection and the bucket's transient answers (429, 5xx) are tried again,
# 5 times 2 s apart: the requests are idempotent (GET, HEAD, PUT, DELETE of one key). The bucket's
# certificate is checked against BACKUP_S3_CA_FILE when it is set.
s3() {
  if [ -n "${BACKUP_S3_CA_FILE:-}" ]; then set -- --cacert "$BACKUP_S3_CA_FILE" "$@"; fi
  curl --silent --show-error --fail --connect-timeout 10 --retry 5 --retry-delay 2 --retry-connrefused \
    --aws-sigv4 "aws:amz:$BACKUP_S3_REGION:s3" --config "$private_dir/curl-auth" "$@"
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

# storage_list SERVICE : the names of SERVICE's encrypted backups, oldest first. Run it with
# its output to a file, never in a pipeline or $(...): there a failed listing would end only a
# subshell, and part of the listing (S3's first pages: the oldest sets) would pass for all of it.
storage_list() {
  if [ "$storage" = dir ]; then
    for file in "$BACKUP_DIR/$1"-*.age; do
      [ -e "$file" ] && basename "$file"
    done
    return 0
  fi
  key_prefix=${BACKUP_S3_PREFIX:-}
  list_prefix="$key_prefix$1-"
  : >"$private_dir/listing"
  token=""
  pages=0
  while :; do
    pages=$((pages + 1))
    page_of="page $pages of the listing of $bucket_url/$list_prefix*"
    if [ -n "$token" ]; then
      s3 --get --data-urlencode "list-type=2" --data-urlencode "prefix=$list_prefix" \
        --data-urlencode "continuation-token=$token" --output "$private_dir/page" "$bucket_url" ||
        fail "could not read $page_of; refusing to go on with part of the listing"
    else
      s3 --get --data-urlencode "list-type=2" --data-urlencode "prefix=$list_prefix" \
        --output "$private_dir/page" "$bucket_url" ||
        fail "could not read $page_of"
    fi
    tr '<' '\n' <"$private_dir/page" >"$private_dir/page-lines"
    truncated=$(sed -n 's/^IsTruncated>//p' "$private_dir/page-lines")
    case $truncated in
      true | false) ;;
      *) fail "$page_of is not a ListObjectsV2 answer (IsTruncated is '$truncated', not true or false)" ;;
    esac
    # Keys start with the prefix asked for; it is cut by length, as it may hold sed's characters.
    sed -n 's/^Key>\(.*\.age\)$/\1/p' "$private_dir/page-lines" |
      cut -c "$((${#key_prefix} + 1))-" >>"$private_dir/listing"
    [ "$truncated" = true ] || break
    token=$(sed -n 's/^NextContinuationToken>//p' "$private_dir/page-lines")
    [ -n "$token" ] || fail "$page_of is truncated but has no NextContinuationToken"
  done
  sort "$private_dir/listing"
}

# newest_set SERVICE : sets $newest to the name of SERVICE's newest set; fails when there is none
# or the listing fails.
newest_set() {
  storage_list "$1" >"$private_dir/sets"
  newest=$(tail -n 1 "$private_dir/sets")
  [ -n "$newest" ] || fail "no backup of $1 in $(storage_where)"
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

# prune SERVICE DAYS : deletes the sets of SERVICE older than DAYS days (checked by require_int),
# judged by the time in their names, and nothing else. The set just stored ($stored) is kept
# whatever the clock says: a clock that jumps forward during a backup makes it look old.
prune() {
  cutoff=$(($(date -u +%s) - $2 * 86400))
  storage_list "$1" >"$private_dir/sets"
  while read -r name; do
    [ "$name" != "$stored" ] || continue
    epoch=$(stamp_epoch "$name")
    [ -n "$epoch" ] || continue
    if [ "$epoch" -lt "$cutoff" ]; then
      for file in "$name" "$name.sha256" "$name.json"; do storage_delete "$file"; done
      log "pruned $name (older than $2 days)"
    fi
  done <"$private_dir/sets"
}

# fetch_latest SERVICE : copies the newest set of SERVICE into the private folder (its backup file
# is then $private_dir/$newest).
fetch_latest() {
  newest_set "$1"
  storage_get "$newest" "$private_dir/$newest" || fail "cannot read $newest from $(storage_where)"
  storage_get "$newest.sha256" "$private_dir/$newest.sha256" ||
    fail "no checksum $newest.sha256 in $(storage_where); refusing to restore an unverifiable file"
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

# Versions for the manifest, as JSON strings: without quotes and backslashes (octal: 042, 134).
tool_version() { "$@" --version 2>/dev/null | head -n 1 | tr -d '\042\134'; }
