#!/usr/bin/env bash
# Loopback STUN benchmark: the project's StunServer against coturn's turnserver (STUN-only), the same
# closed-loop load against each, R repetitions, medians with min/max; then the JMH codec suite; then
# (optionally) one extra profiled run of our server with JFR. Prints a Markdown report and writes it,
# with every raw result, to $OUT (default benchmarks/target/bench-results).
#
# Everything binds 127.0.0.1 only. Every process this script starts is killed by its PID on exit, and
# each also stops by itself (StunServerMain --max-seconds, coturn under `timeout`, StunLoad's bounds).
#
# Settings (environment):
#   R=5             repetitions (each: one fresh server process per server, the load against it)
#   DURATION=10     measured seconds per run        WARMUP=3   unmeasured seconds before
#   SOCKETS=4       client sockets                  WINDOW=8   outstanding requests per socket
#   TIMEOUT_MS=500  an unanswered request counts as lost after this long
#   OUR_PORT=34780  COTURN_PORT=34790               fixed UDP ports on 127.0.0.1 (must be free)
#   JMH=1           run the JMH suite               JMH_ARGS="-f 1 -wi 3 -i 5 -w 2s -r 2s -prof gc"
#   PROFILE=1       one extra JFR-profiled run of our server (not in the table)
#   UDP_EVENT_LOOPS=0  our server's stun.udpEventLoops (0: one per core, each its own socket on the port)
#   BUILD=1         build benchmarks/target/benchmarks.jar first (offline, then online if that fails)
#   OUT=benchmarks/target/bench-results
#
# Usage: benchmarks/run-stun-bench.sh            (about 6 minutes with the defaults on 2 cores)
#        R=1 DURATION=3 JMH=0 PROFILE=0 benchmarks/run-stun-bench.sh    (a quick smoke run)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

R=${R:-5}
UDP_EVENT_LOOPS=${UDP_EVENT_LOOPS:-0}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
SOCKETS=${SOCKETS:-4}
WINDOW=${WINDOW:-8}
TIMEOUT_MS=${TIMEOUT_MS:-500}
OUR_PORT=${OUR_PORT:-34780}
COTURN_PORT=${COTURN_PORT:-34790}
JMH=${JMH:-1}
JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 3 -i 5 -w 2s -r 2s -prof gc"}
PROFILE=${PROFILE:-1}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/benchmarks/target/bench-results}
JAR="$ROOT/benchmarks/target/benchmarks.jar"
OUR_LABEL="p2p-quic StunServer"
COTURN_LABEL="coturn"

. "$ROOT/benchmarks/bench-lib.sh"
bench_args "$@"
require_numbers R DURATION WARMUP SOCKETS WINDOW TIMEOUT_MS OUR_PORT COTURN_PORT
(( R >= 1 && R <= 50 )) || { echo "R must be 1-50" >&2; exit 2; }

command -v java >/dev/null || { echo "java not found" >&2; exit 1; }
TURNSERVER=$(command -v turnserver || true)
[ -n "$TURNSERVER" ] || { echo "turnserver (coturn) not found: apt-get install coturn" >&2; exit 1; }

# --- processes we start (PIDS, stop_pid: bench-lib.sh), killed by PID on any exit -----------------
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q . ; }

# --- build -----------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
  echo "== building $JAR" >&2
  build() { mvn -B -q "$@" -pl benchmarks -am install -DskipTests 2>&1 | grep -v "GenIgnore" >&2 || true; }
  # A concurrent build of the same tree can collide: retry, offline first, then allowing downloads.
  for attempt in 1 2 3; do
    rm -f "$JAR"
    build -o
    [ -s "$JAR" ] && break
    build
    [ -s "$JAR" ] && break
    echo "build attempt $attempt failed; retrying" >&2
    sleep 5
  done
fi
[ -s "$JAR" ] || { echo "missing $JAR (run with BUILD=1)" >&2; exit 1; }

mkdir -p "$OUT"
rm -f "$OUT"/load.jsonl "$OUT"/*.log "$OUT"/*.md "$OUT"/jmh.json "$OUT"/server.jfr

for p in "$OUR_PORT" "$COTURN_PORT"; do
  if port_busy "$p"; then echo "UDP port $p on this machine is in use; set OUR_PORT/COTURN_PORT" >&2; exit 1; fi
done

RUN_SECONDS=$(( WARMUP + DURATION + 30 ))   # a server outlives its run by this bound at most
LOAD=(java -cp "$JAR" io.p2pquic.bench.StunLoad --sockets "$SOCKETS" --window "$WINDOW"
      --duration "$DURATION" --warmup "$WARMUP" --timeout-ms "$TIMEOUT_MS")

start_ours() { # start_ours LOG [extra JVM options...]: starts StunServerMain, waits for READY
  local log=$1; shift
  java "$@" -cp "$JAR" io.p2pquic.bench.StunServerMain --port "$OUR_PORT" --max-seconds "$RUN_SECONDS" \
    --udp-event-loops "$UDP_EVENT_LOOPS" \
    >"$log" 2>&1 &
  SERVER_PID=$!
  CPU_PID=$SERVER_PID
  PIDS+=("$SERVER_PID")
  wait_ready "$log" "$SERVER_PID" && return 0
  echo "our server did not start; its log:" >&2; cat "$log" >&2; exit 1
}

start_coturn() { # start_coturn LOG: turnserver STUN-only on 127.0.0.1, UDP only, no CLI/TLS/DTLS/config file
  local log=$1
  timeout --signal=TERM "$RUN_SECONDS" "$TURNSERVER" --stun-only -n --listening-ip 127.0.0.1 \
    --listening-port "$COTURN_PORT" --no-tcp --no-tls --no-dtls --no-cli \
    --pidfile "$OUT/turnserver.pid" --log-file stdout --simple-log >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  "${LOAD[@]:0:3}" io.p2pquic.bench.StunLoad --target "127.0.0.1:$COTURN_PORT" --probe --timeout-ms 500 >/dev/null \
    || { echo "coturn did not answer; its log:" >&2; cat "$log" >&2; exit 1; }
  # For CPU accounting: the turnserver process itself, not `timeout` around it.
  CPU_PID=$(pgrep -P "$SERVER_PID" | head -1 || true)
  CPU_PID=${CPU_PID:-0}
}

run_one() { # run_one ours|coturn REP
  local which=$1 rep=$2 port label log
  if [ "$which" = ours ]; then
    port=$OUR_PORT; label=$OUR_LABEL; log="$OUT/ours-$rep.log"; start_ours "$log"
  else
    port=$COTURN_PORT; label=$COTURN_LABEL; log="$OUT/coturn-$rep.log"; start_coturn "$log"
  fi
  echo "== rep $rep/$R: $label on 127.0.0.1:$port" >&2
  "${LOAD[@]}" --target "127.0.0.1:$port" --label "$label" --server-pid "$CPU_PID" --out "$OUT/load.jsonl" \
    | grep -v '^RESULT ' >&2
  stop_pid "$SERVER_PID"
  grep -h '^COUNTERS' "$log" >&2 || true
  sleep 1
}

# --- machine facts ---------------------------------------------------------------------------------
{
  echo "- CPU: $(nproc) cores online, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "- Memory: $(free -g | awk '/^Mem:/{print $2}') GiB; kernel $(uname -r)"
  echo "- JDK: $(java -version 2>&1 | head -1); $(java -version 2>&1 | sed -n 3p)"
  echo "- coturn: $("$TURNSERVER" --version 2>&1 | head -1) ($TURNSERVER, default threads: one UDP thread per CPU)"
  echo "- Load: $SOCKETS sockets x window $WINDOW, ${WARMUP} s warm-up + ${DURATION} s measured, timeout ${TIMEOUT_MS} ms, $R repetitions, order alternating"
  echo "- Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- stun-codec rendezvous-verticle benchmarks 2>/dev/null || echo ' (with local changes in measured modules)')"
  echo "- Date: $(date -u +%Y-%m-%dT%H:%MZ)"
} >"$OUT/machine.md"

# --- load: R repetitions, alternating which server goes first --------------------------------------
cpu_line() { head -1 /proc/stat; }   # cpu user nice system idle iowait irq softirq steal ...
CPU_BEFORE=$(cpu_line)
for rep in $(seq 1 "$R"); do
  if (( rep % 2 == 1 )); then run_one ours "$rep"; run_one coturn "$rep"
  else run_one coturn "$rep"; run_one ours "$rep"; fi
done
CPU_AFTER=$(cpu_line)
awk -v a="$CPU_BEFORE" -v b="$CPU_AFTER" 'BEGIN {
  split(a, x, " "); split(b, y, " "); total = 0
  for (i = 2; i <= 9; i++) { d[i] = y[i] - x[i]; total += d[i] }
  if (total > 0) printf "- Whole machine during the load runs (both servers, load generator, JVM start-ups): busy %.0f%% (user %.0f%%, system %.0f%%, softirq %.0f%%), idle %.0f%%, steal %.1f%%\n", 100 * (total - d[5] - d[6]) / total, 100 * (d[2] + d[3]) / total, 100 * d[4] / total, 100 * d[8] / total, 100 * (d[5] + d[6]) / total, 100 * d[9] / total
}' >>"$OUT/machine.md"
# Label order in the file decides the column order: make ours first regardless of who ran first.
{ grep -F "\"label\":\"$OUR_LABEL\"" "$OUT/load.jsonl"; grep -F "\"label\":\"$COTURN_LABEL\"" "$OUT/load.jsonl"; } \
  >"$OUT/load.sorted.jsonl"
java -cp "$JAR" io.p2pquic.bench.Report load "$OUT/load.sorted.jsonl" >"$OUT/load.md"

# --- JMH -------------------------------------------------------------------------------------------
if [ "$JMH" = 1 ]; then
  echo "== JMH: $JMH_ARGS" >&2
  # shellcheck disable=SC2086 # JMH_ARGS is a list of options
  java -jar "$JAR" $JMH_ARGS -rf json -rff "$OUT/jmh.json" >"$OUT/jmh.log" 2>&1 \
    || { tail -40 "$OUT/jmh.log" >&2; exit 1; }
  java -cp "$JAR" io.p2pquic.bench.Report jmh "$OUT/jmh.json" >"$OUT/jmh.md"
fi

# --- one profiled run of our server (JFR, default "profile" settings), not part of the table -------
if [ "$PROFILE" = 1 ]; then
  echo "== profile: our server under the same load, JFR" >&2
  start_ours "$OUT/ours-profile.log" "-XX:StartFlightRecording=filename=$OUT/server.jfr,settings=profile,dumponexit=true"
  "${LOAD[@]}" --target "127.0.0.1:$OUR_PORT" --label "profiled" --server-pid "$CPU_PID" --out "$OUT/profile.jsonl" \
    | grep -v '^RESULT ' | tee "$OUT/profile.log" >&2
  stop_pid "$SERVER_PID"
  java -cp "$JAR" io.p2pquic.bench.JfrTop "$OUT/server.jfr" 12 >"$OUT/profile.md"
fi

# --- report ----------------------------------------------------------------------------------------
{
  echo "## Machine"; echo; cat "$OUT/machine.md"; echo
  echo "## Loopback STUN load: our StunServer vs coturn (medians of $R runs, min-max in brackets)"; echo
  cat "$OUT/load.md"; echo
  if [ -f "$OUT/jmh.md" ]; then
    echo "## JMH: STUN codec (\`$JMH_ARGS\`)"; echo; cat "$OUT/jmh.md"; echo
  fi
  if [ -f "$OUT/profile.md" ]; then
    echo "## Where our server's CPU goes (one extra run under JFR)"; echo
    sed -n 's/^profiled: /Profiled run (JFR on, not in the tables above): /p' "$OUT/profile.log"; echo
    cat "$OUT/profile.md"; echo
  fi
} >"$OUT/report.md"
cat "$OUT/report.md"
echo "(written to $OUT/report.md; raw results: load.jsonl, jmh.json, server.jfr, *.log)" >&2
