#!/usr/bin/env bash
# Backs up a firmad data directory (the embedded default: SQLite database, SoftHSM2 token, secrets) while firmad
# runs. The database first, with SQLite's online backup (a consistent snapshot; firmad goes on writing), then the
# token and the PINs: the token copy then holds every key and key-encryption key the database copy names (the
# reverse order could miss one made in between). See docs/key-custody.md for what a wrapped-custody backup holds.
#
# Usage: scripts/backup.sh DATA_DIR BACKUP_DIR     (BACKUP_DIR absent or empty; it is made mode 0700)
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: scripts/backup.sh DATA_DIR BACKUP_DIR" >&2; exit 2; fi
data=$1 out=$2
for part in firma.db hsm secrets; do
  if [[ ! -e "$data/$part" ]]; then echo "backup: $data/$part not found: is $data a firmad data directory?" >&2; exit 1; fi
done
if [[ -e "$out" && -n "$(ls -A "$out")" ]]; then echo "backup: $out is not empty" >&2; exit 1; fi
mkdir -p "$out"
chmod 0700 "$out"
# .timeout: wait for a write in progress rather than fail; the snapshot is taken under one read transaction.
sqlite3 "$data/firma.db" ".timeout 30000" ".backup main '$out/firma.db'"
cp -a "$data/hsm" "$data/secrets" "$out/"
echo "backup: $data -> $out"
