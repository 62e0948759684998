#!/bin/sh
# Copies a backup set out of storage into a local folder, for a restore on a laptop: the newest of
# a service, or a named one.
#
#   backup-fetch.sh SERVICE DEST_DIR [SET_NAME]     (SERVICE: postgres or redis)
#
# Storage: BACKUP_DIR or the BACKUP_S3_* settings (backup-lib.sh). Prints the backup's local path.
set -eu
. "$(dirname "$0")/backup-lib.sh"

case $# in
  2 | 3) ;;
  *) fail "usage: backup-fetch.sh SERVICE DEST_DIR [SET_NAME]" ;;
esac
[ -d "$2" ] || fail "destination $2 is not a folder"
make_private_dir
storage_init
if [ $# -eq 3 ]; then name=$3; else
  newest_set "$1"
  name=$newest
fi
# The set's three files reach DEST_DIR only once all three are read: a failure leaves nothing.
for file in "$name" "$name.sha256" "$name.json"; do
  storage_get "$file" "$private_dir/$file" || fail "cannot read $file from $(storage_where)"
done
for file in "$name" "$name.sha256" "$name.json"; do mv "$private_dir/$file" "$2/$file"; done
log "fetched $name from $(storage_where)"
printf '%s\n' "$2/$name"
