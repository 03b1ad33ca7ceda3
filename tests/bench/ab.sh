#!/usr/bin/env bash
# A/B of two published builds of `chat` on one scenario, run alternately so both
# see the same machine load. Prints, per run, the generator's JSON line plus the
# server's CPU seconds, which stays meaningful on a busy machine where
# wall-clock rates do not.
#
#   dotnet publish src/Chat -c Release -o /tmp/a -p:PublishReadyToRun=true   # old build
#   dotnet publish src/Chat -c Release -o /tmp/b -p:PublishReadyToRun=true   # new build
#   A=/tmp/a B=/tmp/b ROUNDS=3 bash tests/bench/ab.sh fanout --members 1000 --senders 10 --in-flight 256 --seconds 5
# ENV_A / ENV_B ("NAME=value ...") set environment variables for one server only,
# e.g. A=/tmp/b B=/tmp/b ENV_B="DOTNET_GCgen0size=0x200000" to try a runtime setting.
# GEN=/tmp/b runs that build's `chat bench` against both servers (default: each build's own),
# so a change to the generator does not pass for a change to the server.
set -euo pipefail
: "${A:?published build A}" "${B:?published build B}"
ROUNDS=${ROUNDS:-3}
SENDQ=${SENDQ:-1048576}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 20000 2>/dev/null || true
echo "{ \"Limits\": { \"SendQueueBytes\": $SENDQ, \"FloodControl\": false }, \"Log\": { \"Messages\": false } }" > "$work/chat.json"
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

for round in $(seq "$ROUNDS"); do
  for build in A B; do
    dir=${!build}
    envname=ENV_$build
    read -r -a envs <<< "${!envname:-}"
    port=$(free_port)
    rm -rf "$work/data"
    env "${envs[@]}" taskset -c 0 dotnet "$dir/chat.dll" serve --port "$port" --config "$work/chat.json" --data-dir "$work/data" --log-file "$work/chat.log" > "$work/out.log" 2>&1 &
    pid=$!
    wait_for_port "$port" "chat serve ($build)" "$work/out.log"
    args=("$@")
    [ "$1" = connect ] && args+=(--server-pid "$pid")
    before=$(cpu_ticks "$pid")
    line=$(timeout 300 taskset -c 1 dotnet "${GEN:-$dir}/chat.dll" bench --port "$port" --sources 4 "${args[@]}" 2>/dev/null | tail -n 1 || true)
    after=$(cpu_ticks "$pid")
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
    echo "{\"build\":\"$build\",\"round\":$round,\"server_cpu_seconds\":$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t/hz}'),\"server_rss_kib\":$rss,\"result\":${line:-null}}"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
