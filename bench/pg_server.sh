#!/usr/bin/env bash
# A throwaway PostgreSQL server for the benches (after /work/shared/tools/pg_throwaway.sh), on
# 127.0.0.1 with trust auth: `start` prints the lines to eval (DATABASE_URL, PG_BENCH_DIR),
# `stop` stops that server (pg_ctl signals the postmaster by the PID in its data directory) and
# removes the directory. As root, initdb and postgres run as PG_USER (default: postgres).
# fsync off by default: a bench database is thrown away, and a fill's speed is not what is
# measured. PG_DURABLE=1 starts it as production runs (fsync, synchronous_commit and
# full_page_writes on: a commit waits for its WAL flush), for the write benches, whose figures
# are then those of a real server on this disk.
#
#   eval "$(bash bench/pg_server.sh start)"; ...; bash bench/pg_server.sh stop "$PG_BENCH_DIR"
#   eval "$(PG_DURABLE=1 bash bench/pg_server.sh start)"; bash bench/ab_writes.sh A_BIN B_BIN
#
# The write harnesses (ab_writes.sh, run_load.sh) take a fresh database per run from here:
# `newdb URL` creates one on URL's server and prints its URL, `dropdb URL` drops it.
#
# Needs the PostgreSQL server binaries (Debian: postgresql-15, in the Makefile's TEST_DEPS).
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PG_USER=${PG_USER:-postgres}
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  port=${2:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  dir=$(mktemp -d "${PG_TMPBASE:-/tmp}/emm-pgbench-XXXXXX")
  mkdir -p "$dir/data" "$dir/sock"
  [ "$(id -u)" = 0 ] && chown -R "$PG_USER" "$dir"
  as_user "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1
  if [ "${PG_DURABLE:-0}" = 1 ]; then
    durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  else
    durability="-c fsync=off -c full_page_writes=off"
  fi
  # shared_buffers large enough to hold the 1M-deployment tables and indexes: the read bench
  # measures queries, not the disk.
  as_user "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock $durability \
     -c shared_buffers=${PG_SHARED_BUFFERS:-1GB} -c max_wal_size=4GB" start >/dev/null
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres PG_BENCH_DIR=$dir"
  ;;
newdb)
  url=${2:?usage: newdb URL}
  db="emm_bench_$(date +%s%N)"
  psql -qAt "$url" -c "CREATE DATABASE $db" >/dev/null
  # Same server, same query string (sslmode ...), the new database's name as the path.
  base=${url%%\?*}
  echo "${base%/*}/$db${url#"$base"}"
  ;;
dropdb)
  url=${2:?usage: dropdb URL}
  base=${url%%\?*}
  psql -qAt "${base%/*}/postgres${url#"$base"}" \
    -c "DROP DATABASE IF EXISTS ${base##*/} WITH (FORCE)" >/dev/null
  ;;
stop)
  dir=${2:?usage: stop PG_BENCH_DIR}
  as_user "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start [PORT] | newdb URL | dropdb URL | stop PG_BENCH_DIR" >&2
  exit 2
  ;;
esac
