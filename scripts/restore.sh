#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an empty data directory, for firmad to start on (it rewrites
# hsm/softhsm2.conf for the new place at start-up).
#
# Usage: scripts/restore.sh BACKUP_DIR DATA_DIR     (DATA_DIR absent or empty; firmad not running on it)
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: scripts/restore.sh BACKUP_DIR DATA_DIR" >&2; exit 2; fi
backup=$1 data=$2
for part in firma.db hsm secrets; do
  if [[ ! -e "$backup/$part" ]]; then echo "restore: $backup/$part not found: not a backup" >&2; exit 1; fi
done
if [[ -e "$data" && -n "$(ls -A "$data")" ]]; then echo "restore: $data is not empty" >&2; exit 1; fi
mkdir -p "$data"
chmod 0700 "$data"
cp -a "$backup/firma.db" "$backup/hsm" "$backup/secrets" "$data/"
echo "restore: $backup -> $data"
