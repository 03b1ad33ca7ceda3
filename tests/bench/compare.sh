#!/usr/bin/env bash
# Runs `chat bench` against `chat serve`, InspIRCd and ngircd on this machine,
# each server pinned to CPU 0 and the generator to CPU 1, and prints one JSON
# line per server and scenario (also kept in $OUT). Loopback only; every run
# is bounded in time and stops by itself. "floor" is peers/floor-relay.c, the
# least work a server can do per private message (pairs only): what this
# machine allows any server that sends each message with its own system call.
#
#   bash tests/bench/compare.sh              # every scenario, every server
#   SERVERS="chat" SCENARIOS="pairs" bash tests/bench/compare.sh
#   QUICK=1 bash tests/bench/compare.sh      # small sizes, to check the script
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/bench"
SERVERS=${SERVERS:-"chat inspircd ngircd floor"}
SCENARIOS=${SCENARIOS:-"connect fanout1000 fanout100 latency1000 pairs flood"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-19500}
SENDQ=${SENDQ:-1048576}
OUT=${OUT:-"$root/docs/bench-results.jsonl"}
if [ "${QUICK:-0}" = 1 ]; then CLIENTS=500; SECONDS_PER_RUN=2; fi

need=()
command -v inspircd >/dev/null || need+=(inspircd)
command -v ngircd >/dev/null || need+=(ngircd)
command -v taskset >/dev/null || need+=(util-linux)
case " $SERVERS " in *" floor "*) command -v gcc >/dev/null || need+=(gcc libc6-dev) ;; esac
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  # The Debian packages start their own daemons; the benchmark starts its own copies.
  systemctl stop inspircd ngircd 2>/dev/null || service inspircd stop 2>/dev/null || true
  service ngircd stop 2>/dev/null || true
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
echo "building chat (Release, ReadyToRun)..." >&2
dotnet publish "$root/src/Chat/Chat.csproj" -c Release -o "$work/chat" -p:PublishReadyToRun=true >/dev/null
chat=(dotnet "$work/chat/chat.dll")
case " $SERVERS " in *" floor "*) gcc -O2 -o "$work/floor-relay" "$here/peers/floor-relay.c" ;; esac

# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
ulimit -n 20000 2>/dev/null || true

start_server() { # name port -> sets server_pid
  local name=$1 port=$2 dir="$work/$1"
  mkdir -p "$dir"
  case $name in
    chat)
      cat > "$dir/chat.json" <<JSON
{ "Limits": { "SendQueueBytes": $SENDQ, "FloodControl": false }, "Log": { "Messages": false } }
JSON
      # A fresh data folder per run: history from earlier runs would make every insert dearer.
      rm -rf "$dir/data"
      taskset -c 0 "${chat[@]}" serve --port "$port" --config "$dir/chat.json" --data-dir "$dir/data" --log-file "$dir/chat.log" > "$dir/out.log" 2>&1 &
      ;;
    inspircd)
      echo "bench" > "$dir/motd.txt"
      sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@SENDQ@|$SENDQ|g" "$here/peers/inspircd.conf" > "$dir/inspircd.conf"
      chown -R nobody "$dir" 2>/dev/null || true
      taskset -c 0 inspircd --nofork --runasroot --config "$dir/inspircd.conf" > "$dir/out.log" 2>&1 &
      ;;
    ngircd)
      sed -e "s|@PORT@|$port|g" "$here/peers/ngircd.conf" > "$dir/ngircd.conf"
      taskset -c 0 ngircd --nodaemon --passive --config "$dir/ngircd.conf" > "$dir/out.log" 2>&1 &
      ;;
    floor)
      taskset -c 0 "$work/floor-relay" "$port" > "$dir/out.log" 2>&1 &
      ;;
  esac
  server_pid=$!
  wait_for_port "$port" "$name" "$dir/out.log"
}

# The process that really serves (dotnet, not a wrapper), for memory readings.
serving_pid() { local p=$1; for c in $(pgrep -P "$p") ; do p=$c; done; echo "$p"; }

run() { # server scenario port pid
  # Every run is bounded, even against a server that stops answering.
  local b=(timeout 300 taskset -c 1 "${chat[@]}" bench --port "$3" --sources 4)
  case $2 in
    connect)     "${b[@]}" connect --clients "$CLIENTS" --connect-rate 1000 --hold 5 --server-pid "$4" ;;
    fanout1000)  "${b[@]}" fanout --members 1000 --senders 10 --in-flight 256 --seconds "$SECONDS_PER_RUN" ;;
    fanout100)   "${b[@]}" fanout --members 100 --senders 10 --in-flight 256 --seconds "$SECONDS_PER_RUN" ;;
    latency1000) "${b[@]}" fanout --members 1000 --senders 10 --rate 1000 --in-flight 0 --seconds "$SECONDS_PER_RUN" ;;
    pairs)       "${b[@]}" pairs --pairs 100 --seconds "$SECONDS_PER_RUN" ;;
    flood)       "${b[@]}" fanout --members 100 --senders 10 --in-flight 0 --seconds "$SECONDS_PER_RUN" --server-pid "$4" ;;
  esac
}

mkdir -p "$(dirname "$OUT")"
: > "$OUT"
for server in $SERVERS; do
  for scenario in $SCENARIOS; do
    # The floor relay has no rooms: it only measures private messages.
    [ "$server" = floor ] && [ "$scenario" != pairs ] && continue
    port=$(free_port)
    start_server "$server" "$port"
    pid=$(serving_pid "$server_pid")
    echo "== $server $scenario (port $port, pid $pid)" >&2
    ticks_before=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    line=$(run "$server" "$scenario" "$port" "$pid" 2>&2 | tail -n 1 || true)
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    # The server's CPU time during the run (user + system), beside the generator's in the result.
    ticks_after=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null || echo "$ticks_before")
    cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t/hz}')
    echo "{\"server\":\"$server\",\"case\":\"$scenario\",\"server_rss_kib_after\":$rss,\"server_cpu_seconds\":$cpu,\"result\":${line:-null}}" | tee -a "$OUT"
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    sleep 1
  done
done
