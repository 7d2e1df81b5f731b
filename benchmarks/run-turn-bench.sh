#!/usr/bin/env bash
# Loopback TURN benchmark: coturn's turnutils_uclient against the project's TURN relay (TurnServerMain:
# StunServer + TurnServer) and against coturn's turnserver, same machine, same client, same payload
# sizes and number of clients. Each server runs with use-auth-secret and loopback peers allowed, no TLS.
# uclient runs in client-to-client mode (-y: its allocations relay to each other) with Send/Data
# indications (-s); see docs/turn.md for why not ChannelData. R repetitions per size, order
# alternating; prints medians of packets received per second, throughput, loss and round-trip time.
#
# MODE=saturation: open loop, rising rate. For each client count in STEPS, uclient sends as fast as
# its sessions' interval and its own core allow (about 340 messages/s per client here) whatever comes
# back; the report gives, per step and server, the
# peak echoed messages/s (the largest one-second rise of uclient's received count), loss and server
# CPU per echoed message, and each server's knee (the highest step with at most 1% lost). The script
# exits 1 when, at the top step, our peak is below coturn's or our CPU per message above it (the
# goals of issue 11). On a 2-core machine uclient itself needs one core, so the top step measures what
# the servers do with the other.
#
# Everything binds 127.0.0.1 only; every process this script starts is killed by PID on exit, and each
# also stops by itself (TurnServerMain --max-seconds, turnserver under `timeout`).
#
# Settings (environment):
#   R=3              repetitions per server and size
#   CLIENTS=100      uclient -m, number of clients
#   MSGS=300         uclient -n, messages per client (1500 with MODE=saturation: seconds of sending per step)
#   SIZES="100 1000" uclient -l, payload bytes
#   INTERVAL_MS=1    uclient -z, per-session send interval
#   TCP=0            1: client-to-server over TCP (-t)
#   WARMUP=1         1: one unmeasured uclient run (-n WARMUP_MSGS) against each fresh server first
#   WARMUP_MSGS=1000 its messages per client: enough that the JIT has compiled the relay path (with 100,
#                    C2 was still compiling through the measured run and took a quarter of our CPU)
#   MODE=paced       paced: one run per size at CLIENTS; saturation: see above
#   STEPS="100 200 400"  saturation: client counts
#   UDP_EVENT_LOOPS=0    our server's stun.udpEventLoops (0: one per core; coturn runs a thread per core)
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
MODE=${MODE:-paced}
MSGS=${MSGS:-$([ "$MODE" = saturation ] && echo 1500 || echo 300)}
SIZES=${SIZES:-"100 1000"}
INTERVAL_MS=${INTERVAL_MS:-1}
TCP=${TCP:-0}
WARMUP=${WARMUP:-1}
WARMUP_MSGS=${WARMUP_MSGS:-1000}
STEPS=${STEPS:-"100 200 400"}
UDP_EVENT_LOOPS=${UDP_EVENT_LOOPS:-0}
OUR_EXTRA_ARGS=(--udp-event-loops "$UDP_EVENT_LOOPS")
OUR_PORT=${OUR_PORT:-34782}
COTURN_PORT=${COTURN_PORT:-34792}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/benchmarks/target/turn-bench}
JAR="$ROOT/benchmarks/target/benchmarks.jar"
SECRET="bench-$RANDOM$RANDOM"

. "$ROOT/benchmarks/bench-lib.sh"
bench_args "$@"
case "$MODE" in paced|saturation) ;; *) echo "MODE must be paced or saturation, is '$MODE'" >&2; exit 2 ;; esac
require_numbers R CLIENTS MSGS INTERVAL_MS OUR_PORT COTURN_PORT WARMUP_MSGS UDP_EVENT_LOOPS
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

run_one() { # run_one ours|coturn SIZE REP [CLIENTS]: one uclient run, one result line in results.tsv
  local which=$1 size=$2 rep=$3 clients=${4:-$CLIENTS} log="$OUT/$1-$2-$3-${4:-$CLIENTS}.log" out="$OUT/$1-$2-$3-${4:-$CLIENTS}.uclient" t0 t1
  start_server "$which" "$log"
  local args=(-y -s -W "$SECRET" -u bench -p "$PORT" -m "$clients" -n "$MSGS" -l "$size" -z "$INTERVAL_MS" -e 127.0.0.1)
  [ "$TCP" = 1 ] && args+=(-t)
  if [ "$WARMUP" = 1 ]; then
    local warm=("${args[@]}")
    warm[11]=$WARMUP_MSGS # the value after -n
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
  awk -v which="$which" -v size="$size" -v rep="$rep" -v clients="$clients" -v wall_ns=$((t1 - t0)) -v cpu=$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) '
    /start_mclient: msz=.*tot_recv_msgs=/ { split($0, p, "tot_recv_msgs="); split(p[2], q, ","); r = q[1] + 0
                                            if (seen && r - last > peak) { peak = r - last }; last = r; seen = 1 }
    /start_mclient: tot_send_msgs=/ { split($0, a, "tot_send_msgs="); split(a[2], b, ","); sent = b[1] + 0
                                      split($0, c, "tot_recv_msgs="); recv = c[2] + 0 }
    /start_mclient: tot_send_bytes/ { split($0, d, "tot_recv_bytes ~ "); rbytes = d[2] + 0 }
    /Total transmit time is/ { tt = $NF + 0 }
    /Total lost packets/ { split($0, e, "("); lost = e[2] + 0 }
    /Average round trip delay/ { split($0, f, "delay "); rtt = f[2] + 0 }
    END { if (recv == "") { recv = 0 }
          wall = wall_ns / 1e9
          printf "%s\t%s\t%s\t%d\t%d\t%.3f\t%.1f\t%.2f\t%.2f\t%.3f\t%d\t%d\t%d\n", which, size, rep, sent, recv, wall,
                 recv / wall, rbytes * 8 / wall / 1e6, lost, rtt, cpu, clients, peak }' "$out" >>"$OUT/results.tsv"
  echo "== $which size $size rep $rep clients $clients: $(tail -1 "$OUT/results.tsv" | cut -f4-)" >&2
  sleep 1
}

if [ "$MODE" = saturation ]; then
  for size in $SIZES; do
    for step in $STEPS; do
      for rep in $(seq 1 "$R"); do
        if (( rep % 2 == 1 )); then run_one ours "$size" "$rep" "$step"; run_one coturn "$size" "$rep" "$step"
        else run_one coturn "$size" "$rep" "$step"; run_one ours "$size" "$rep" "$step"; fi
      done
    done
  done
  {
    echo "Saturation: turnutils_uclient -y -s -n $MSGS -z $INTERVAL_MS, clients rising, $R runs per cell, medians"
    echo "(peak echoed msgs/s: the largest one-second rise of uclient's received count; CPU per message:"
    echo " the server's user+system time over the messages echoed; knee: highest step with lost <= 1%)"
    echo
    echo "| payload | clients | server | peak echoed msgs/s | lost % | avg RTT ms | server CPU µs per echoed msg |"
    echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: |"
    for size in $SIZES; do
      for step in $STEPS; do
        for which in ours coturn; do
          awk -F'\t' -v w="$which" -v s="$size" -v c="$step" '
            function median(arr, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
                                                 return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2 }
            $1 == w && $2 == s && $12 == c { n++; peak[n] = $13; lost[n] = $9; rtt[n] = $10; us[n] = $5 > 0 ? $11 * 1000 / $5 : 0 }
            END { if (n) printf "| %s | %d | %s | %.0f | %.2f | %.3f | %.1f |\n", s, c, (w == "ours") ? "p2p-quic TurnServer" : "coturn",
                                 median(peak, n), median(lost, n), median(rtt, n), median(us, n) }' "$OUT/results.tsv"
        done
      done
    done
    echo
    for size in $SIZES; do
      for which in ours coturn; do
        knee=$(awk -F'\t' -v w="$which" -v s="$size" '$1 == w && $2 == s { n[$12]++; l[$12, n[$12]] = $9 }
          END { best = "none"; for (c in n) { k = 0; for (i = 1; i <= n[c]; i++) if (l[c, i] <= 1) k++; if (k * 2 > n[c] && (best == "none" || c + 0 > best + 0)) best = c }
                print best }' "$OUT/results.tsv")
        echo "- knee, $size B, $which: $([ "$knee" = none ] && echo "none of the steps lost 1% or less" || echo "$knee clients")"
      done
    done
    echo "- CPU: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); JDK: $(java -version 2>&1 | head -1); ours with stun.udpEventLoops=$UDP_EVENT_LOOPS"
    echo "- Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); date: $(date -u +%Y-%m-%dT%H:%MZ)"
  } | tee "$OUT/report.md"
  top=${STEPS##* }
  verdict=0
  for size in $SIZES; do
    read -r ours_peak ours_us coturn_peak coturn_us < <(awk -F'\t' -v s="$size" -v c="$top" '
      function median(arr, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
                                           return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2 }
      $2 == s && $12 == c && $1 == "ours" { a++; op[a] = $13; ou[a] = $5 > 0 ? $11 * 1000 / $5 : 0 }
      $2 == s && $12 == c && $1 == "coturn" { b++; cp[b] = $13; cu[b] = $5 > 0 ? $11 * 1000 / $5 : 0 }
      END { printf "%.0f %.2f %.0f %.2f\n", median(op, a), median(ou, a), median(cp, b), median(cu, b) }' "$OUT/results.tsv")
    # Parenthesised: a bare ">" in an awk print is an output redirection.
    ok_rate=$(awk -v a="$ours_peak" -v b="$coturn_peak" 'BEGIN { print ((b > 0 && a / b >= 1.0) ? 1 : 0) }')
    ok_cpu=$(awk -v a="$ours_us" -v b="$coturn_us" 'BEGIN { print ((b > 0 && a / b <= 1.0) ? 1 : 0) }')
    echo "goal $size B at $top clients: peak ratio $(awk -v a="$ours_peak" -v b="$coturn_peak" 'BEGIN { printf "%.2f", ((b > 0) ? a / b : 0) }') (>= 1.0)," \
      "CPU per message ratio $(awk -v a="$ours_us" -v b="$coturn_us" 'BEGIN { printf "%.2f", ((b > 0) ? a / b : 0) }') (<= 1.0)" | tee -a "$OUT/report.md"
    [ "$ok_rate" = 1 ] && [ "$ok_cpu" = 1 ] || verdict=1
  done
  exit $verdict
fi

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
