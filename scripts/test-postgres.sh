#!/usr/bin/env bash
# Starts or stops a private, throw-away PostgreSQL 15 server for the test suite: scripts/test-postgres.sh start|stop DIR PORT
#
# The server listens on 127.0.0.1:PORT only, keeps its socket in DIR (never /var/run/postgresql), trusts local
# connections as user `postgres`, and trades durability for speed (fsync off): it is for tests, never for data.
# `start` is idempotent (a running server is left alone) and takes about a second; `stop` removes DIR.
# initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser) and DIR is given to it.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
action=$1 dir=$2 port=$3
[[ $port =~ ^[0-9]+$ ]] || usage
[[ $dir == /* ]] || { echo "test-postgres: DIR must be an absolute path: $dir" >&2; exit 2; }

bin=${FIRMA_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
[[ -x $bin/pg_ctl ]] || { echo "test-postgres: no PostgreSQL 15 server in $bin (run make deps)" >&2; exit 1; }
data=$dir/data
log=$dir/server.log

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case $action in
  start)
    if running; then
      exit 0
    fi
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres:postgres "$dir"
    fi
    chmod 700 "$dir"
    if [[ ! -f $data/PG_VERSION ]]; then
      rm -rf "$data"
      if ! as_owner "$bin/initdb" -D "$data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
        echo "test-postgres: initdb failed:" >&2
        tail -n 20 "$dir/initdb.log" >&2
        exit 1
      fi
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null; then
      echo "test-postgres: the server did not start on 127.0.0.1:$port:" >&2
      tail -n 20 "$log" >&2 || true
      exit 1
    fi
    ;;
  stop)
    if running; then
      as_owner "$bin/pg_ctl" -D "$data" -m immediate -w -t 60 stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
