#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for a test run and prints the PG* variables that
# point the test suite at it (eval "$(tests/postgres/throwaway.sh start)"). `stop DIR` ends it.
# Runs the server as the postgres user when called as root: PostgreSQL refuses to run as root.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  dir=$(mktemp -d /tmp/chunkgate-ci-pg.XXXXXX)
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "$password" > "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile "$dir/pwfile" -A scram-sha-256 \
    --auth-local=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=
  for candidate in $(shuf -i 20000-60000 -n 50); do
    # A refused connection means nothing listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "no free port found" >&2; exit 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c max_prepared_transactions=10" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGPASSWORD=$password PGDATABASE=postgres CHUNKGATE_PG_DIR=$dir"
  ;;
stop)
  dir=${2:?usage: throwaway.sh stop DIR}
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: throwaway.sh start | stop DIR" >&2; exit 2 ;;
esac
