#!/usr/bin/env bash
# OTLP pipeline benchmark: otlp-load -> otlp-pipeline (receiver -> batch ->
# OTLP/gRPC exporter) -> otlp-load sink, all on 127.0.0.1.
#
# Usage: otelcol/bench/run.sh [steady|saturation|all]
# Env:   BIN (default $CARGO_TARGET_DIR/release or target/release),
#        RATE (10000), STEADY_SECS (60), SAT_SECS (30), COMPRESSION (gzip|none),
#        PIPELINE_ARGS (extra flags), TASKSET_PIPELINE / TASKSET_LOAD (cpu lists).
# Measures the pipeline process only: CPU from /proc/<pid>/stat (utime+stime)
# over the measurement window, RSS from /proc/<pid>/status (VmRSS, VmHWM).
set -euo pipefail

MODE=${1:-all}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release}
RATE=${RATE:-10000}
STEADY_SECS=${STEADY_SECS:-60}
SAT_SECS=${SAT_SECS:-30}
COMPRESSION=${COMPRESSION:-gzip}
WARMUP=5
PORT_RECV=${PORT_RECV:-24317}
PORT_SINK=${PORT_SINK:-24319}
TICKS=$(getconf CLK_TCK)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

pin() { # pin CPULIST cmd... ; run in the background so $! is the process itself
  local cpus=$1; shift
  if [[ -n "$cpus" ]] && command -v taskset >/dev/null; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

start_pair() { # start_pair SINK_SECS
  (pin "${TASKSET_LOAD:-}" "$BIN/otlp-load" sink --listen "127.0.0.1:$PORT_SINK" --duration-secs "$1") > /tmp/otlp-bench-sink.out 2>/dev/null &
  SINK_PID=$!; PIDS+=("$SINK_PID")
  sleep 0.5
  local timev=()
  [[ -x /usr/bin/time ]] && timev=(/usr/bin/time -v -o /tmp/otlp-bench-time.txt)
  (pin "${TASKSET_PIPELINE:-}" "${timev[@]}" "$BIN/otlp-pipeline" --grpc "127.0.0.1:$PORT_RECV" --exporter otlp \
      --endpoint "127.0.0.1:$PORT_SINK" --compression "$COMPRESSION" --metrics off \
      --duration-secs "$(( $1 - 2 ))" ${PIPELINE_ARGS:-}) > /tmp/otlp-bench-pipeline.out 2>/tmp/otlp-bench-pipeline.err &
  WRAP_PID=$!; PIDS+=("$WRAP_PID")
  sleep 0.3
  # With /usr/bin/time the pipeline is its child.
  PIPE_PID=$(pgrep -P "$WRAP_PID" -f otlp-pipeline || echo "$WRAP_PID")
  for _ in $(seq 50); do grep -q READY /tmp/otlp-bench-pipeline.out 2>/dev/null && break; sleep 0.1; done
}

steady() {
  echo "== steady: ${RATE} spans/s for ${STEADY_SECS}s (100 spans/request, exporter compression ${COMPRESSION})"
  start_pair $(( STEADY_SECS + 20 ))
  (pin "${TASKSET_LOAD:-}" "$BIN/otlp-load" send --endpoint "127.0.0.1:$PORT_RECV" --rate "$RATE" \
      --duration-secs "$STEADY_SECS" --batch 100) > /tmp/otlp-bench-load.out &
  LOAD_PID=$!; PIDS+=("$LOAD_PID")
  sleep "$WARMUP"
  local t0 c0 window=$(( STEADY_SECS - WARMUP - 5 )) sum=0 n=0 max=0
  t0=$(date +%s.%N); c0=$(cpu_ticks "$PIPE_PID")
  for _ in $(seq "$window"); do
    sleep 1
    r=$(rss_kib "$PIPE_PID"); sum=$(( sum + r )); n=$(( n + 1 )); (( r > max )) && max=$r
  done
  local c1 t1; c1=$(cpu_ticks "$PIPE_PID"); t1=$(date +%s.%N)
  wait "$LOAD_PID" || true
  local hwm; hwm=$(hwm_kib "$PIPE_PID")
  awk -v c=$(( c1 - c0 )) -v tk="$TICKS" -v t0="$t0" -v t1="$t1" -v avg=$(( sum / n )) -v max="$max" -v hwm="$hwm" 'BEGIN {
    printf "pipeline CPU: %.2f%% of one core over %.0fs\n", 100*c/tk/(t1-t0), t1-t0;
    printf "pipeline RSS: avg %.1f MiB, max %.1f MiB (VmHWM %.1f MiB)\n", avg/1024, max/1024, hwm/1024 }'
  echo "load: $(cat /tmp/otlp-bench-load.out)"
  wait "$WRAP_PID" || true
  wait "$SINK_PID" || true
  echo "sink: $(cat /tmp/otlp-bench-sink.out)"
  report_time
}

report_time() { # whole-run figures from /usr/bin/time -v (includes start-up and shutdown)
  [[ -s /tmp/otlp-bench-time.txt ]] || return 0
  grep -E "Percent of CPU|Maximum resident|Elapsed \(wall|User time|System time" /tmp/otlp-bench-time.txt | sed 's/^\s*/time -v: /'
}

saturation() {
  echo "== saturation: unthrottled for ${SAT_SECS}s (100 spans/request, 32 in flight, exporter compression ${COMPRESSION})"
  start_pair $(( SAT_SECS + 20 ))
  (pin "${TASKSET_LOAD:-}" "$BIN/otlp-load" send --endpoint "127.0.0.1:$PORT_RECV" --rate 0 --concurrency 32 \
      --connections 4 --duration-secs "$SAT_SECS" --batch 100) > /tmp/otlp-bench-load.out &
  LOAD_PID=$!; PIDS+=("$LOAD_PID")
  sleep "$WARMUP"
  local t0 c0 c1 t1 window=$(( SAT_SECS - WARMUP - 3 ))
  t0=$(date +%s.%N); c0=$(cpu_ticks "$PIPE_PID")
  sleep "$window"
  c1=$(cpu_ticks "$PIPE_PID"); t1=$(date +%s.%N)
  wait "$LOAD_PID" || true
  local load; load=$(cat /tmp/otlp-bench-load.out)
  local hwm; hwm=$(hwm_kib "$PIPE_PID")
  wait "$WRAP_PID" || true
  wait "$SINK_PID" || true
  local sink; sink=$(cat /tmp/otlp-bench-sink.out)
  echo "load: $load"
  echo "sink: $sink"
  local rate; rate=$(echo "$load" | sed -E 's/.*"spans_per_sec":([0-9.]+).*/\1/')
  awk -v c=$(( c1 - c0 )) -v tk="$TICKS" -v t0="$t0" -v t1="$t1" -v rate="$rate" -v hwm="$hwm" 'BEGIN {
    cores = c/tk/(t1-t0);
    printf "pipeline CPU: %.2f cores; throughput %.0f spans/s; %.0f spans/s per core of pipeline CPU; VmHWM %.1f MiB\n",
      cores, rate, rate/cores, hwm/1024 }'
  report_time
}

case "$MODE" in
  steady) steady ;;
  saturation) saturation ;;
  all) steady; saturation ;;
  *) echo "usage: $0 [steady|saturation|all]" >&2; exit 2 ;;
esac
