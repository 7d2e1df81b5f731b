#!/usr/bin/env bash
# Loopback TURN benchmark: coturn's turnutils_uclient against the project's TURN relay (TurnServerMain:
# StunServer + TurnServer) and against coturn's turnserver, same machine, same client, same payload
# sizes and number of clients. Each server runs with use-auth-secret and loopback peers allowed, no TLS.
# uclient runs in client-to-client mode (-y: its allocations relay to each other) with Send/Data
# indications (-s); see docs/turn.md for why not ChannelData. R repetitions per size, order
# alternating; prints medians of packets received per second, throughput, loss and round-trip time.
#
# Everything binds 127.0.0.1 only; every process this script starts is killed by PID on exit, and each
# also stops by itself (TurnServerMain --max-seconds, turnserver under `timeout`).
#
# Settings (environment):
#   R=3              repetitions per server and size
#   CLIENTS=100      uclient -m, number of clients
#   MSGS=300         uclient -n, messages per client
#   SIZES="100 1000" uclient -l, payload bytes
#   INTERVAL_MS=1    uclient -z, per-session send interval
#   TCP=0            1: client-to-server over TCP (-t)
#   WARMUP=1         1: one unmeasured uclient run (-n 100) against each fresh server first (JIT, caches)
#   OUR_PORT=34782   COTURN_PORT=34792      UDP/TCP ports on 127.0.0.1 (must be free)
#   BUILD=1          build benchmarks/target/benchmarks.jar first (reactor `package`, offline)
#   OUT=benchmarks/target/turn-bench
#
# Usage: benchmarks/run-turn-bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
R=${R:-3}
CLIENTS=${CLIENTS:-100}
MSGS=${MSGS:-300}
SIZES=${SIZES:-"100 1000"}
INTERVAL_MS=${INTERVAL_MS:-1}
TCP=${TCP:-0}
WARMUP=${WARMUP:-1}
OUR_PORT=${OUR_PORT:-34782}
COTURN_PORT=${COTURN_PORT:-34792}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/benchmarks/target/turn-bench}
JAR="$ROOT/benchmarks/target/benchmarks.jar"
SECRET="bench-$RANDOM$RANDOM"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "no arguments; settings come from the environment (see --help)" >&2; exit 2 ;;
esac
for v in R CLIENTS MSGS INTERVAL_MS OUR_PORT COTURN_PORT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$v must be a number, is '${!v}'" >&2; exit 2; }
done
UCLIENT=$(command -v turnutils_uclient || true)
TURNSERVER=$(command -v turnserver || true)
[ -n "$UCLIENT" ] && [ -n "$TURNSERVER" ] || { echo "needs coturn (turnserver, turnutils_uclient): apt-get install coturn" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
  echo "== building $JAR (reactor package, nothing installed)" >&2
  mvn -B -q -o -pl benchmarks -am package -DskipTests >&2
fi
[ -s "$JAR" ] || { echo "missing $JAR (run with BUILD=1)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/results.tsv "$OUT"/report.md

. "$ROOT/benchmarks/turn-bench-lib.sh"

run_one() { # run_one ours|coturn SIZE REP: one uclient run, one result line in results.tsv
  local which=$1 size=$2 rep=$3 log="$OUT/$1-$2-$3.log" out="$OUT/$1-$2-$3.uclient" t0 t1
  start_server "$which" "$log"
  local args=(-y -s -W "$SECRET" -u bench -p "$PORT" -m "$CLIENTS" -n "$MSGS" -l "$size" -z "$INTERVAL_MS" -e 127.0.0.1)
  [ "$TCP" = 1 ] && args+=(-t)
  if [ "$WARMUP" = 1 ]; then
    local warm=("${args[@]}")
    warm[11]=100 # the value after -n
    timeout 120 "$UCLIENT" "${warm[@]}" 127.0.0.1 >"$out.warmup" 2>&1 || true
  fi
  local cpu_pid=$SERVER_PID c0 c1
  [ "$which" = coturn ] && cpu_pid=$(pgrep -P "$SERVER_PID" | head -1 || echo "$SERVER_PID")
  c0=$(cpu_ticks "$cpu_pid")
  t0=$(date +%s%N)
  timeout 240 "$UCLIENT" "${args[@]}" 127.0.0.1 >"$out" 2>&1 || true
  t1=$(date +%s%N)
  c1=$(cpu_ticks "$cpu_pid")
  stop_pid "$SERVER_PID"
  awk -v which="$which" -v size="$size" -v rep="$rep" -v wall_ns=$((t1 - t0)) -v cpu=$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) '
    /start_mclient: tot_send_msgs=/ { split($0, a, "tot_send_msgs="); split(a[2], b, ","); sent = b[1] + 0
                                      split($0, c, "tot_recv_msgs="); recv = c[2] + 0 }
    /start_mclient: tot_send_bytes/ { split($0, d, "tot_recv_bytes ~ "); rbytes = d[2] + 0 }
    /Total transmit time is/ { tt = $NF + 0 }
    /Total lost packets/ { split($0, e, "("); lost = e[2] + 0 }
    /Average round trip delay/ { split($0, f, "delay "); rtt = f[2] + 0 }
    END { if (recv == "") { recv = 0 }
          wall = wall_ns / 1e9
          printf "%s\t%s\t%s\t%d\t%d\t%.3f\t%.1f\t%.2f\t%.2f\t%.3f\t%d\n", which, size, rep, sent, recv, wall,
                 recv / wall, rbytes * 8 / wall / 1e6, lost, rtt, cpu }' "$out" >>"$OUT/results.tsv"
  echo "== $which size $size rep $rep: $(tail -1 "$OUT/results.tsv" | cut -f4-)" >&2
  sleep 1
}

for size in $SIZES; do
  for rep in $(seq 1 "$R"); do
    if (( rep % 2 == 1 )); then run_one ours "$size" "$rep"; run_one coturn "$size" "$rep"
    else run_one coturn "$size" "$rep"; run_one ours "$size" "$rep"; fi
  done
done

{
  echo "turnutils_uclient -y -s -m $CLIENTS -n $MSGS -z $INTERVAL_MS$([ "$TCP" = 1 ] && echo ' -t'), $R runs per cell, medians"
  echo "(packets/s and Mbit/s: packets and payload bytes received back by uclient over its wall time;"
  echo " server CPU: the server process's user+system time during the measured run, all threads)"
  echo
  echo "| payload | server | sent | received | packets/s | Mbit/s | lost % | avg RTT ms | server CPU ms |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for size in $SIZES; do
    for which in ours coturn; do
      label=$([ "$which" = ours ] && echo "p2p-quic TurnServer" || echo "coturn $("$TURNSERVER" --version 2>&1 | head -1)")
      awk -F'\t' -v w="$which" -v s="$size" -v label="$label" '
        function median(arr, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
                                             return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2 }
        $1 == w && $2 == s { n++; sent[n] = $4; recv[n] = $5; pps[n] = $7; mbit[n] = $8; lost[n] = $9; rtt[n] = $10; cpu[n] = $11 }
        END { if (n) printf "| %s | %s | %d | %d | %.0f | %.2f | %.2f | %.3f | %d |\n", s, label, median(sent, n), median(recv, n),
                             median(pps, n), median(mbit, n), median(lost, n), median(rtt, n), median(cpu, n) }' "$OUT/results.tsv"
    done
  done
  echo
  echo "- CPU: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); JDK: $(java -version 2>&1 | head -1)"
  echo "- Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); date: $(date -u +%Y-%m-%dT%H:%MZ)"
} | tee "$OUT/report.md"
