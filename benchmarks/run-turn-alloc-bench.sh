#!/usr/bin/env bash
# Memory per TURN allocation and allocations held: the project's TURN relay (TurnServerMain: StunServer +
# TurnServer, quotas off) against coturn's turnserver, same machine, same client. AllocationLoad opens
# allocations from one UDP socket each (use-auth-secret credentials, 100 user names), in stages; while
# exactly STAGES[i] allocations are held the script reads the server's resident memory (VmRSS) and, for
# ours, the Java heap in use after a full GC (jcmd GC.run; GC.heap_info) and at the last stage the top
# of the class histogram. R repetitions, order alternating; prints medians.
#
# Everything binds 127.0.0.1 (servers) and 127.0.0.2 (client sockets); each process is killed by PID on
# exit. Server and client each need a descriptor per allocation: the script raises the soft `ulimit -n`
# to the hard limit (20000 on the machines this was written on, hence 15000 as the largest stage).
#
# Settings (environment):
#   R=3                     repetitions per server
#   STAGES="1000 5000 10000 15000" allocations held at each measurement (cumulative)
#   RATE=2000               allocations opened per second
#   OUR_HEAP=""             e.g. -Xmx2g for our server (default: the JVM's ergonomic maximum)
#   OUR_PORT=34782   COTURN_PORT=34792      UDP ports on 127.0.0.1 (must be free)
#   BUILD=1                 build benchmarks/target/benchmarks.jar first (reactor `package`, offline)
#   OUT=benchmarks/target/turn-alloc-bench
#
# Usage: benchmarks/run-turn-alloc-bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
R=${R:-3}
STAGES=${STAGES:-"1000 5000 10000 15000"}
RATE=${RATE:-2000}
OUR_HEAP=${OUR_HEAP:-}
OUR_PORT=${OUR_PORT:-34782}
COTURN_PORT=${COTURN_PORT:-34792}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/benchmarks/target/turn-alloc-bench}
JAR="$ROOT/benchmarks/target/benchmarks.jar"
SECRET="bench-$RANDOM$RANDOM"
RUN_SECONDS=900

. "$ROOT/benchmarks/bench-lib.sh"
bench_args "$@"
require_numbers R RATE OUR_PORT COTURN_PORT
TURNSERVER=$(command -v turnserver || true)
[ -n "$TURNSERVER" ] || { echo "needs coturn's turnserver: apt-get install coturn" >&2; exit 1; }
command -v jcmd >/dev/null || { echo "needs jcmd (a JDK, not a JRE)" >&2; exit 1; }
LAST_STAGE=${STAGES##* }
# Each process (server, client) needs a descriptor per allocation plus some: raise the soft limit to the hard one.
NEED=$(( LAST_STAGE + 1000 ))
HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] || (( HARD >= NEED )) || { echo "the open-files hard limit ($HARD) is below $NEED; lower STAGES" >&2; exit 1; }
ulimit -Sn "$HARD"

if [ "$BUILD" = 1 ]; then
  echo "== building $JAR (reactor package, nothing installed)" >&2
  mvn -B -q -o -pl benchmarks -am package -DskipTests >&2
fi
[ -s "$JAR" ] || { echo "missing $JAR (run with BUILD=1)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/results.tsv "$OUT"/report.md "$OUT"/histogram-*.txt
OUR_JAVA_OPTS="$OUR_HEAP"
. "$ROOT/benchmarks/turn-bench-lib.sh"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
heap_used_kb() { # after a full GC; G1 prints "garbage-first heap   total 262144K, used 12345K"
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  sleep 1
  jcmd "$1" GC.heap_info 2>/dev/null | sed -n 's/.* heap .*used \([0-9]*\)K.*/\1/p' | head -1
}

run_one() { # run_one ours|coturn REP: one server, the stages, one line per stage in results.tsv
  local which=$1 rep=$2 log="$OUT/$1-$2.log" pid line held rss heap
  start_server "$which" "$log"
  pid=$SERVER_PID
  [ "$which" = coturn ] && pid=$(pgrep -P "$SERVER_PID" | head -1 || echo "$SERVER_PID")
  sleep 2
  heap=$([ "$which" = ours ] && heap_used_kb "$pid" || echo "")
  printf '%s\t%s\t0\t0\t%s\t%s\t\n' "$which" "$rep" "$(rss_kb "$pid")" "$heap" >>"$OUT/results.tsv"
  coproc LOAD { exec java -cp "$JAR" io.p2pquic.bench.AllocationLoad --server "127.0.0.1:$PORT" --secret "$SECRET" \
    --stages "$(echo $STAGES | tr ' ' ',')" --rate "$RATE" 2>"$OUT/$which-$rep.load.log"; }
  local load_pid=$LOAD_PID
  PIDS+=("$load_pid")
  for held in $STAGES; do
    IFS= read -r -t 300 line <&"${LOAD[0]}" || { echo "AllocationLoad gave no result for stage $held" >&2; cat "$OUT/$which-$rep.load.log" >&2; exit 1; }
    sleep 2 # let the server settle (buffers, timers)
    heap=$([ "$which" = ours ] && heap_used_kb "$pid" || echo "")
    rss=$(rss_kb "$pid")
    if [ "$which" = ours ] && [ "$held" = "$LAST_STAGE" ] && [ "$rep" = 1 ]; then
      jcmd "$pid" GC.class_histogram 2>/dev/null | head -25 >"$OUT/histogram-ours-$held.txt" || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$which" "$rep" "$held" \
      "$(sed -n 's/.*"allocated":\([0-9]*\).*/\1/p' <<<"$line")" "$rss" "$heap" \
      "$(sed -n 's/.*"errors":\({[^}]*}\).*/\1/p' <<<"$line")" >>"$OUT/results.tsv"
    echo "== $which rep $rep: $line rss ${rss} kB${heap:+ heap ${heap} kB}" >&2
    echo >&"${LOAD[1]}"
  done
  exec {LOAD[1]}>&- # stdin closed: the client releases its sockets and exits
  wait "$load_pid" 2>/dev/null || true
  stop_pid "$SERVER_PID"
  sleep 1
}

for rep in $(seq 1 "$R"); do
  if (( rep % 2 == 1 )); then run_one ours "$rep"; run_one coturn "$rep"
  else run_one coturn "$rep"; run_one ours "$rep"; fi
done

{
  echo "AllocationLoad: one UDP socket per allocation, use-auth-secret, $RATE allocations/s; $R runs per server, medians"
  echo "(RSS: the server process's VmRSS while that many allocations are held; heap: our JVM's heap in use"
  echo " after a full GC; per allocation: the growth from the previous row divided by the allocations added)"
  echo
  echo "| server | allocations held | allocated | RSS MiB | RSS KiB / allocation | heap after GC MiB | heap KiB / allocation | errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for which in ours coturn; do
    label=$([ "$which" = ours ] && echo "p2p-quic TurnServer${OUR_HEAP:+ ($OUR_HEAP)}" || echo "coturn $("$TURNSERVER" --version 2>&1 | head -1)")
    awk -F'\t' -v w="$which" -v label="$label" -v stages="0 $STAGES" '
      function median(arr, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
                                           return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2 }
      $1 == w { k = $3; n[k]++; alloc[k, n[k]] = $4; rss[k, n[k]] = $5; heap[k, n[k]] = $6; if ($7 != "" && $7 != "{}") err[k] = err[k] " " $7 }
      END {
        split(stages, s, " ")
        prev = ""
        for (i = 1; i <= length(s); i++) {
          k = s[i]; m = n[k]; if (!m) continue
          delete a; delete r; delete h
          for (j = 1; j <= m; j++) { a[j] = alloc[k, j]; r[j] = rss[k, j]; h[j] = heap[k, j] }
          A = median(a, m); RS = median(r, m); H = (w == "ours") ? median(h, m) : ""
          per = (prev != "" && A > pa) ? sprintf("%.1f", (RS - prss) / (A - pa)) : ""
          perh = (prev != "" && A > pa && w == "ours") ? sprintf("%.1f", (H - pheap) / (A - pa)) : ""
          printf "| %s | %d | %d | %.1f | %s | %s | %s | %s |\n", label, k, A, RS / 1024, per,
                 (w == "ours") ? sprintf("%.1f", H / 1024) : "n/a", perh, err[k] == "" ? "none" : err[k]
          prev = k; pa = A; prss = RS; pheap = H
        }
      }' "$OUT/results.tsv"
  done
  echo
  echo "- CPU: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); JDK: $(java -version 2>&1 | head -1)"
  echo "- Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); date: $(date -u +%Y-%m-%dT%H:%MZ)"
  [ -s "$OUT/histogram-ours-$LAST_STAGE.txt" ] && echo "- Our heap's top classes at $LAST_STAGE allocations: $OUT/histogram-ours-$LAST_STAGE.txt"
} | tee "$OUT/report.md"
