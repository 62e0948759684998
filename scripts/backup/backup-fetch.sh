#!/bin/sh
# Copies a backup set out of storage into a local folder, for a restore on a laptop: the newest of
# a service, or a named one.
#
#   backup-fetch.sh SERVICE DEST_DIR [SET_NAME]     (SERVICE: postgres or redis)
#
# Storage: BACKUP_DIR or the BACKUP_S3_* settings (backup-lib.sh). Prints the backup's local path.
set -eu
. "$(dirname "$0")/backup-lib.sh"

[ $# -ge 2 ] && [ $# -le 3 ] || fail "usage: backup-fetch.sh SERVICE DEST_DIR [SET_NAME]"
[ -d "$2" ] || fail "destination $2 is not a folder"
make_private_dir
storage_init
name=${3:-$(storage_list "$1" | tail -n 1)}
[ -n "$name" ] || fail "no backup of $1 in $(storage_where)"
for file in "$name" "$name.sha256" "$name.json"; do
  storage_get "$file" "$2/$file" || fail "cannot read $file from $(storage_where)"
done
log "fetched $name from $(storage_where)"
printf '%s\n' "$2/$name"
