#!/usr/bin/env bash
# P5 and P6 of SPEC §4: streamd's HTTP ingestion against a bare libmicrohttpd responder
# (Benchmarks/bare-mhd/bare_mhd.c) measured in the same run, with wrk on loopback.
#
#   Benchmarks/http-bench.sh [P5] [P6] [P6W] (all by default; `make bench` runs it after the
#                                           Swift benchmarks, `make bench BENCH=P5` just P5)
#
# P5: one ~200-byte JSON event per POST, keep-alive, into a pipeline with one filter stage.
# P6: NDJSON batches of 100 such events into parse → filter → set, and (P6W) into parse →
# filter → a keyed window (per source, 1 s tumbling, count/avg/max/p99).
# Each is wrk -t1 -c32 -d5s, three times against each server, alternating, best run kept.
# streamd's figure counts the events it accepted (its own ingest counters; P5 fails on any
# answer but 202, P6 would count a 429 as nothing accepted) and divides by wrk's time plus the
# time its pipeline needs afterwards to finish them, so events parked in a buffer are not done.
# Needs wrk, cc, libmicrohttpd-dev, curl and jq (`make bench` installs the missing ones).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
SWIFT=${SWIFT:-swift}
duration=5 runs=3 connections=32 batch=100
# P6's pipeline buffer: ingestion outruns the pipeline, so events wait in it (0.7–3 M at the
# end of a run, about 1 KB each); 5 M keeps a run clear of 429s. P6_BUFFER=20000 measures the
# steady state under backpressure instead (429s instead of a backlog; the same events/s here),
# (docs/BENCHMARKS.md: this is how a use-after-free in the suspend/resume path was found and
# verified fixed, 2026-11-25).
p6_buffer=${P6_BUFFER:-5000000}
cores=$(nproc)

selected=()
for arg in "$@"; do selected+=("${arg^^}"); done
wants() {
    [ ${#selected[@]} -eq 0 ] && return 0
    local id
    for id in "${selected[@]}"; do [ "$id" = "$1" ] && return 0; done
    return 1
}
wants P5 || wants P6 || wants P6W || exit 0

for tool in wrk cc curl jq; do
    command -v "$tool" >/dev/null || { echo "http-bench: $tool not found (\`make bench\` installs it)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/streamd-http-bench.XXXXXX")
declare -A running=()   # pid -> name, for everything started and not yet stopped
cleanup() {
    local pid
    for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${!running[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A logs=()      # pid -> its log file
# Stops with a message, and the end of the log of any server that is no longer running.
fail() {
    echo "http-bench: $*" >&2
    local pid
    for pid in "${!logs[@]}"; do
        kill -0 "$pid" 2>/dev/null && continue
        echo "http-bench: last lines of ${running[$pid]:-a server}'s log (pid $pid):" >&2
        tail -n 30 "${logs[$pid]}" >&2
    done
    exit 1
}

# --- build -------------------------------------------------------------------------------------
echo "http-bench: building streamd (release) and the bare responder" >&2
(cd "$root" && "$SWIFT" build -c release --product streamd) >&2
streamd="$(cd "$root" && "$SWIFT" build -c release --show-bin-path)/streamd"
cc -O2 -Wall -Wextra -o "$work/bare_mhd" "$here/bare-mhd/bare_mhd.c" -lmicrohttpd

# --- servers -----------------------------------------------------------------------------------
mkdir -p "$work/state"
cat >"$work/streamd.yaml" <<EOF
server:
  listen: "127.0.0.1:0"
state_dir: "$work/state"
shutdown_timeout: "30s"
log: { level: info, format: logfmt }
pipelines:
  p5-single:
    buffer: 1000000            # never 429 during a run
    stages:
      - name: has-source
        filter: 'exists(.source)'
    outputs:
      - memory: { capacity: 1000 }
  p6-batch:
    buffer: $p6_buffer
    stages:
      - name: valid
        workers: 2             # as many as cores: same events/s as 1, a third of the backlog
        filter: 'exists(.source) && .value >= 0'
      - name: enrich
        workers: 2
        set: { host: 'lower(.source)', kind: '"metric"' }
    outputs:
      - memory: { capacity: 1000 }
  p6-window:
    buffer: $p6_buffer
    stages:
      - name: valid
        workers: 2
        filter: 'exists(.source) && .value >= 0'
      - name: per-source
        window:
          type: tumbling
          size: "1s"
          group_by: [.source]
          aggregates: { count: 'count()', avg_value: 'avg(.value)', max_value: 'max(.value)', p99_value: 'p99(.value)' }
    outputs:
      - memory: { capacity: 1000 }
EOF

# Starts a server in the background; sets $server_pid and $server_port.
# $1 name, $2 log file, $3 sed expression extracting the port, then the command.
start_server() {
    local name=$1 log=$2 pattern=$3
    shift 3
    "$@" >"$log" 2>&1 &
    server_pid=$!
    running[$server_pid]=$name
    logs[$server_pid]=$log
    server_port=""
    local tries
    for tries in $(seq 100); do
        server_port=$(sed -n "$pattern" "$log" | head -n1)
        [ -n "$server_port" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; fail "$name exited before listening"; }
        sleep 0.1
    done
    cat "$log" >&2
    fail "$name did not report a port within 10 s"
}

# SIGTERM, then insist on a clean exit (status 0) within 40 s.
stop_server() {
    local pid=$1 name=${running[$1]} status=0 tries
    kill -TERM "$pid"
    for tries in $(seq 400); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        fail "$name did not stop within 40 s of SIGTERM"
    fi
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || fail "$name exited with status $status after SIGTERM"
    unset "running[$pid]" "logs[$pid]"
}

# --- measurement -------------------------------------------------------------------------------
# One wrk run; sets $requests (answers), $non2xx, $seconds (wrk's duration) and $p99_ms.
# Socket errors or timeouts make the run invalid. $1 URL, then the Lua script's arguments.
run_wrk() {
    local url=$1 out
    shift
    out=$(timeout $((duration + 30)) wrk -t1 -c"$connections" -d"${duration}s" -s "$here/http-bench.lua" "$url" -- "$@") ||
        fail "wrk failed against $url"
    local line
    line=$(grep '^WRK ' <<<"$out") || fail "no summary from wrk: $out"
    field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
    local errors
    requests=$(field requests) non2xx=$(field non2xx)
    errors=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    [ "$errors" -eq 0 ] || fail "against $url: $errors socket errors or timeouts in $requests requests"
    seconds=$(awk -v us="$(field duration_us)" 'BEGIN { printf "%.6f", us / 1e6 }')
    p99_ms=$(awk -v us="$(field p99_us)" 'BEGIN { printf "%.2f", us / 1e3 }')
}

# streamd's own ingest counters for pipeline $2 on port $1:
# "events accepted, requests answered 202, answered 429, answered anything".
ingest_counters() {
    curl -fsS "http://127.0.0.1:$1/v1/metrics" | jq -r --arg p "$2" '.pipelines[$p].ingest
        | "\(.events_accepted) \(.requests["202"] // 0) \(.requests["429"] // 0) \([.requests[]] | add // 0)"'
}

# Seconds until pipeline $2 on port $1 has finished every accepted event
# (accepted = sent to the output + filtered + failed; with a window stage, which emits results
# rather than events: nothing queued or in flight in any stage).
drain_seconds() {
    local port=$1 pipeline=$2 start now
    start=$(date +%s.%N)
    while true; do
        local drained
        alive "$streamd_pid"
        drained=$(curl -fsS "http://127.0.0.1:$port/v1/metrics" | jq -r --arg p "$pipeline" '.pipelines[$p]
            | if any(.stages[]; .window != null) then ([.stages[] | .in_flight + .queue_depth] | add) == 0
              else (.outputs[0].sent + ([.stages[] | .filtered + .failed] | add)) == .ingest.events_accepted end')
        now=$(date +%s.%N)
        [ "$drained" = true ] && break
        awk -v s="$start" -v n="$now" 'BEGIN { exit !(n - s > 60) }' && fail "pipeline $pipeline did not drain within 60 s"
        sleep 0.02
    done
    awk -v s="$start" -v n="$now" 'BEGIN { printf "%.3f", n - s }'
}

# Fails if a server started here is gone (crashed, or killed from outside).
alive() {
    kill -0 "$1" 2>/dev/null && return 0
    local status=0
    wait "$1" 2>/dev/null || status=$?
    fail "${running[$1]} (pid $1) is no longer running (exit status $status)"
}

# Like Timing.swift's `format`: rounded to 2 decimals, printed as Swift prints a Double.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = int(a / b * 100 + 0.5) / 100; s = sprintf("%.2f", r); sub(/0$/, "", s); print s }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }

# One benchmark: $1 id, $2 pipeline, $3 events per request, $4 "strict" (no 429 allowed) or
# "backpressure" (429 allowed: the client would retry; only accepted events count), then the
# Lua script's arguments. Sets $streamd_rate and $bare_rate per second (events, which for P5 is
# requests) and $streamd_429 (429 answers in streamd's best run).
measure() {
    local id=$1 pipeline=$2 events=$3 mode=$4
    shift 4
    streamd_rate=0 bare_rate=0 streamd_429=0
    local run drain rate before after
    for run in $(seq "$runs"); do
        alive "$bare_pid"
        alive "$streamd_pid"
        run_wrk "http://127.0.0.1:$bare_port/v1/pipelines/$pipeline/events" "$@"
        [ "$non2xx" -eq 0 ] || fail "bare_mhd answered $non2xx requests with a non-2xx status"
        rate=$(awk -v n="$requests" -v e="$events" -v s="$seconds" 'BEGIN { printf "%.0f", n * e / s }')
        bare_rate=$(max "$bare_rate" "$rate")
        echo "http-bench: $id run $run bare_mhd $rate/s (p99 ${p99_ms} ms)" >&2

        before=($(ingest_counters "$streamd_port" "$pipeline"))
        [ ${#before[@]} -eq 4 ] || fail "cannot read streamd's ingest counters"
        run_wrk "http://127.0.0.1:$streamd_port/v1/pipelines/$pipeline/events" "$@"
        drain=$(drain_seconds "$streamd_port" "$pipeline")
        after=($(ingest_counters "$streamd_port" "$pipeline"))
        [ ${#after[@]} -eq 4 ] || fail "cannot read streamd's ingest counters"
        local accepted=$((after[0] - before[0])) answered_202=$((after[1] - before[1]))
        local answered_429=$((after[2] - before[2])) answered=$((after[3] - before[3]))
        [ $((answered - answered_202 - answered_429)) -eq 0 ] ||
            fail "streamd answered $((answered - answered_202 - answered_429)) of $answered requests with neither 202 nor 429"
        [ "$mode" = backpressure ] || [ "$answered_429" -eq 0 ] ||
            fail "streamd answered $answered_429 requests with 429 (pipeline $pipeline needs a larger buffer)"
        rate=$(awk -v n="$accepted" -v s="$seconds" -v d="$drain" 'BEGIN { printf "%.0f", n / (s + d) }')
        if [ "$rate" -gt "$streamd_rate" ]; then streamd_rate=$rate streamd_429=$answered_429; fi
        echo "http-bench: $id run $run streamd $rate/s (p99 ${p99_ms} ms, $answered_429 answers 429," \
            "drained ${drain} s after wrk)" >&2
    done
}

start_server bare_mhd "$work/bare.log" 's/^port=\([0-9]*\)$/\1/p' "$work/bare_mhd"
bare_pid=$server_pid bare_port=$server_port
start_server streamd "$work/streamd.log" 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' \
    "$streamd" run --config "$work/streamd.yaml"
streamd_pid=$server_pid streamd_port=$server_port

if wants P5; then
    measure P5 p5-single 1 strict single
    echo "BENCH P5 http_single_post value=$streamd_rate unit=req/s baseline=bare_mhd:$bare_rate" \
        "ratio=$(ratio "$streamd_rate" "$bare_rate") connections=$connections"
fi
if wants P6; then
    measure P6 p6-batch "$batch" backpressure ndjson "$batch"
    per_core=$((streamd_rate / cores))
    echo "BENCH P6 http_ndjson_batch100 value=$streamd_rate unit=events/s baseline=bare_mhd_count:$bare_rate" \
        "ratio=$(ratio "$streamd_rate" "$bare_rate") per_core=$per_core cores=$cores shared_with=wrk" \
        "answers_429=$streamd_429 stages=filter,set workers=2,2"
fi
if wants P6W; then
    measure P6W p6-window "$batch" backpressure ndjson "$batch"
    per_core=$((streamd_rate / cores))
    echo "BENCH P6W http_ndjson_batch100_window value=$streamd_rate unit=events/s baseline=bare_mhd_count:$bare_rate" \
        "ratio=$(ratio "$streamd_rate" "$bare_rate") per_core=$per_core cores=$cores shared_with=wrk" \
        "answers_429=$streamd_429 stages=filter,window(tumbling 1s by source: count,avg,max,p99) workers=2,1"
fi

stop_server "$streamd_pid"
stop_server "$bare_pid"
