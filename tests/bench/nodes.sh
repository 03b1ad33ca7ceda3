#!/usr/bin/env bash
# Runs `chat bench fanout` against one `chat serve` on SQLite, one node on
# PostgreSQL and two nodes on the same PostgreSQL (members spread over both),
# and prints one JSON line per run (also appended to $OUT). The PostgreSQL is a
# throwaway cluster in a temporary folder (Debian's binaries, as the `postgres`
# user when run as root), with its default durability (fsync on). Servers and
# the database on CPU 0, the generator on CPU 1. Loopback only; every run is
# bounded in time and everything stops by itself.
#
#   bash tests/bench/nodes.sh
#   MEMBERS="100" SECONDS_PER_RUN=5 SETUPS="pg2" bash tests/bench/nodes.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
MEMBERS=${MEMBERS:-"100 1000"}
SETUPS=${SETUPS:-"sqlite pg1 pg2"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
OUT=${OUT:-"$root/docs/scaling-results.jsonl"}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  bash "$root/tests/setup.sh"
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

work=$(mktemp -d)
pg_as=()
if [ "$(id -u)" -eq 0 ]; then pg_as=(runuser -u postgres --); chown postgres "$work"; fi
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  "${pg_as[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
ulimit -n 20000 2>/dev/null || true

echo "building chat (Release, ReadyToRun)..." >&2
dotnet publish "$root/src/Chat/Chat.csproj" -c Release -o "$work/chat" -p:PublishReadyToRun=true >/dev/null
chat=(dotnet "$work/chat/chat.dll")

pgport=$(free_port)
"${pg_as[@]}" "$bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
taskset -c 0 "${pg_as[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work -c max_connections=200" start >/dev/null

run=0
start_node() { # dir port [database name] -> appends the pid to pids
  local dir=$1 port=$2
  mkdir -p "$dir"
  cat > "$dir/chat.json" <<JSON
{ "Limits": { "SendQueueBytes": 1048576, "FloodControl": false }, "Log": { "Messages": false } }
JSON
  shift 2
  taskset -c 0 "${chat[@]}" serve --port "$port" --config "$dir/chat.json" --data-dir "$dir/data" --log-file "$dir/chat.log" "$@" > "$dir/out.log" 2>&1 &
  pids+=($!)
  wait_for_port "$port" "chat serve" "$dir/out.log"
}

for setup in $SETUPS; do
  for members in $MEMBERS; do
    run=$((run + 1))
    pids=()
    p1=$(free_port); p2=$(free_port)
    db="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=bench$run"
    case $setup in
      sqlite) start_node "$work/n$run-1" "$p1" ;;
      pg1)    "${pg_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "bench$run"
              start_node "$work/n$run-1" "$p1" --database "$db" --node-name n1 ;;
      pg2)    "${pg_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "bench$run"
              start_node "$work/n$run-1" "$p1" --database "$db" --node-name n1
              start_node "$work/n$run-2" "$p2" --database "$db" --node-name n2 ;;
    esac
    also=()
    [ "$setup" = pg2 ] && also=(--also-port "$p2")
    sleep 2 # the nodes join the cluster
    echo "== $setup, $members members" >&2
    line=$(timeout 300 taskset -c 1 "${chat[@]}" bench --port "$p1" "${also[@]}" --sources 4 \
      fanout --members "$members" --senders 10 --in-flight 256 --seconds "$SECONDS_PER_RUN" | tail -n 1) || line=""
    if [ -n "$line" ]; then
      tagged="{\"setup\":\"$setup\",\"date\":\"$(date -u +%Y-%m-%d)\",${line#\{}"
      echo "$tagged"
      echo "$tagged" >> "$OUT"
    else
      echo "{\"setup\":\"$setup\",\"members\":$members,\"error\":\"no result\"}"
    fi
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  done
done
