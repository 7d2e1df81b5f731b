#!/usr/bin/env bash
# Rendezvous at scale: the shipped node (p2p-node.jar rendezvous) with its signalling on 127.0.0.1 under
# SignallingLoad: PEERS simulated peers, each a WebSocket that registers with its own Ed25519 key, then
# open-loop candidate messages between random registered peers at each rate of RATES. Reports heap per
# registered peer (after a full GC, against the same node's heap before the peers came), registrations/s,
# delivered messages/s with delivery latency p50/p99/p99.9, and the node's CPU per message; NODES=3 runs a
# Hazelcast cluster of three nodes on this machine with the peers spread over them (two thirds of the
# messages cross nodes). Writes a Markdown report and the raw JSON lines to $OUT.
#
# Everything binds 127.0.0.1 (the generator connects from 127.0.0.2, .3, ...: one source address has
# ~28,000 ephemeral ports). Every process started here is killed by its PID on exit.
#
# Settings (environment):
#   PEERS=50000        simulated peers (all nodes together)
#   NODES=1            rendezvous nodes (more than 1: --cluster with conf/cluster.xml on 127.0.0.1)
#   RATES=10000,20000,35000,50000   messages/s, one step each on the same connections
#   WARMUP=5  DURATION=15           seconds per step
#   CONNECT_RATE=2500  new connections per second while registering
#   HEAP=2g            each node's -Xmx (the goal: 50,000 peers under 2 GB); the heap is pre-touched
#   GEN_HEAP=3g        each load generator's heap (pre-touched too)
#   HTTP_EVENT_LOOPS=0 the nodes' http.eventLoops (0: one per core)
#   GENERATORS=N       load generator processes (default: one per 19,000 peers: a process here may hold at
#                      most 20,000 open files, `ulimit -Hn`, and so may each node)
#   HTTP_PORT=18088    first node's HTTP port (node i: +2i); STUN ports from 13478
#   GOALS=1            exit 1 when a goal is missed (heap, 50k msgs/s with p99 < 50 ms)
#   BUILD=1            build node/target/p2p-node.jar and benchmarks/target/benchmarks.jar first
#   OUT=benchmarks/target/rendezvous-results
#
# Usage: benchmarks/run-rendezvous-bench.sh                   (about 3 minutes with the defaults)
#        PEERS=2000 RATES=2000 DURATION=5 GOALS=0 benchmarks/run-rendezvous-bench.sh   (a quick look)
#        NODES=3 PEERS=150000 RATES=10000,20000 benchmarks/run-rendezvous-bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PEERS=${PEERS:-50000}
NODES=${NODES:-1}
RATES=${RATES:-10000,20000,35000,50000}
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-15}
CONNECT_RATE=${CONNECT_RATE:-2500}
HEAP=${HEAP:-2g}
GEN_HEAP=${GEN_HEAP:-3g}
HTTP_EVENT_LOOPS=${HTTP_EVENT_LOOPS:-0}
GENERATORS=${GENERATORS:-$(( (PEERS + 18999) / 19000 ))}
HTTP_PORT=${HTTP_PORT:-18088}
GOALS=${GOALS:-1}
BUILD=${BUILD:-1}
OUT=${OUT:-$ROOT/benchmarks/target/rendezvous-results}
NODE_JAR="$ROOT/node/target/p2p-node.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"

. "$ROOT/benchmarks/bench-lib.sh"
bench_args "$@"
require_numbers PEERS NODES WARMUP DURATION CONNECT_RATE HTTP_PORT HTTP_EVENT_LOOPS GENERATORS
[[ "$RATES" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "RATES must be numbers separated by commas" >&2; exit 2; }
(( NODES >= 1 && NODES <= 5 )) || { echo "NODES must be 1-5" >&2; exit 2; }
command -v java >/dev/null && command -v jcmd >/dev/null || { echo "java and jcmd (a JDK) are needed" >&2; exit 1; }

(( GENERATORS >= 1 && GENERATORS <= 30 )) || { echo "GENERATORS must be 1-30" >&2; exit 2; }
# Each connection is a file descriptor on both ends: a node holds PEERS/NODES, a generator PEERS/GENERATORS.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for need in $((PEERS / NODES)) $((PEERS / GENERATORS)); do
  (( $(ulimit -n) > need + 500 )) || { echo "open-file limit $(ulimit -n) (hard $(ulimit -Hn)) is too low for $need connections in one process: raise it (ulimit -n needs CAP_SYS_RESOURCE), or add NODES / GENERATORS" >&2; exit 1; }
done

if [ "$BUILD" = 1 ]; then
  (mvn -B -ntp -q -o -DskipTests package -pl node,benchmarks -am || mvn -B -ntp -q -DskipTests package -pl node,benchmarks -am) >/dev/null
fi
[ -f "$NODE_JAR" ] && [ -f "$BENCH_JAR" ] || { echo "missing $NODE_JAR or $BENCH_JAR (BUILD=1)" >&2; exit 1; }
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/rendezvous-$STAMP.jsonl"
REPORT="$OUT/rendezvous-$STAMP.md"
WORK=$(mktemp -d)

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Heap in use after a full GC, in KiB (G1: "garbage-first heap total N, used M").
heap_used_kb() {
  jcmd "$1" GC.run >/dev/null
  sleep 1
  jcmd "$1" GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?$/, "", v); print v; exit } }'
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

cat >"$WORK/rendezvous.json" <<EOF
{
  "http": { "eventLoops": $HTTP_EVENT_LOOPS },
  "signalling": { "maxConnections": $((PEERS + 1000)), "maxConnectionsPerIp": $((PEERS + 1000)),
                  "quicPort": -1, "idleTimeoutMs": 120000 },
  "turn": { "enabled": false }
}
EOF

NODE_PIDS=()
TARGETS=()
CLUSTER_ARGS=()
(( NODES > 1 )) && CLUSTER_ARGS=(--cluster --cluster-config "$ROOT/conf/cluster.xml")
for i in $(seq 0 $((NODES - 1))); do
  hp=$((HTTP_PORT + 2 * i))
  # Pre-touched, so that first-touch page faults of the heap are not counted as the node's cost per message.
  java -Xmx"$HEAP" -Xms"$HEAP" -XX:+AlwaysPreTouch -XX:+UseG1GC -Xlog:gc:file="$OUT/node-$i-$STAMP.gc.log" -jar "$NODE_JAR" rendezvous --config "$WORK/rendezvous.json" \
    --bind 127.0.0.1 --http-port "$hp" --stun-port $((13478 + 2 * i)) --quic-port -1 ${CLUSTER_ARGS[@]+"${CLUSTER_ARGS[@]}"} \
    >"$OUT/node-$i-$STAMP.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  NODE_PIDS+=("$pid")
  TARGETS+=("ws://127.0.0.1:$hp/signal")
done
for i in $(seq 0 $((NODES - 1))); do
  hp=$((HTTP_PORT + 2 * i))
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$hp/health" >/dev/null 2>&1 && break
    kill -0 "${NODE_PIDS[$i]}" 2>/dev/null || { echo "node $i died:"; tail -20 "$OUT/node-$i-$STAMP.log"; exit 1; }
    sleep 0.1
  done
done
sleep 2
BEFORE=()
for pid in "${NODE_PIDS[@]}"; do BEFORE+=("$(heap_used_kb "$pid")"); done
echo "nodes up (${NODE_PIDS[*]}), heap in use after GC before peers: ${BEFORE[*]} KiB"

TARGET_LIST=$(IFS=,; echo "${TARGETS[*]}")
PID_LIST=$(IFS=,; echo "${NODE_PIDS[*]}")
# Per-generator rates: the steps of RATES split evenly, all generators sending at once (the go file).
GEN_RATES=$(echo "$RATES" | tr ',' '\n' | awk -v g="$GENERATORS" '{ printf "%s%d", (NR > 1 ? "," : ""), $1 / g }')
GEN_PEERS=$((PEERS / GENERATORS))
LOAD_PIDS=()
for g in $(seq 0 $((GENERATORS - 1))); do
  # Distinct loopback source addresses per generator, so that none runs out of ephemeral ports.
  java -Xms"$GEN_HEAP" -Xmx"$GEN_HEAP" -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:MaxGCPauseMillis=10 -Xlog:gc:file="$OUT/load-$g-$STAMP.gc.log" \
    -cp "$BENCH_JAR" io.p2pquic.bench.SignallingLoad --target "$TARGET_LIST" --first-source $((2 + 8 * g)) \
    --peers "$GEN_PEERS" --connect-rate $((CONNECT_RATE / GENERATORS)) --rate "$GEN_RATES" --warmup "$WARMUP" \
    --duration "$DURATION" --hold 600 --registered-marker "$WORK/registered-$g" --go-file "$WORK/go" \
    --server-pids "$PID_LIST" --label "generator $g" --out "$RESULTS" >"$WORK/load-$g.out" 2>"$OUT/load-$g-$STAMP.log" &
  LOAD_PIDS+=($!)
  PIDS+=($!)
done
for g in $(seq 0 $((GENERATORS - 1))); do
  while [ ! -f "$WORK/registered-$g" ]; do
    kill -0 "${LOAD_PIDS[$g]}" 2>/dev/null || { echo "load generator $g ended early:"; tail -20 "$OUT/load-$g-$STAMP.log"; exit 1; }
    sleep 1
  done
done
AFTER=()
RSS=()
for pid in "${NODE_PIDS[@]}"; do AFTER+=("$(heap_used_kb "$pid")"); RSS+=("$(rss_kb "$pid")"); done
REGISTERED=$(cat "$WORK"/registered-* | awk '{ s += $1 } END { print s }')
echo "registered $REGISTERED; heap in use after GC: ${AFTER[*]} KiB; RSS ${RSS[*]} KiB"
touch "$WORK/go"
for g in "${!LOAD_PIDS[@]}"; do
  wait "${LOAD_PIDS[$g]}" || { echo "load generator $g failed:"; tail -20 "$OUT/load-$g-$STAMP.log"; exit 1; }
done

HEAP_DELTA=0; RSS_TOTAL=0
for i in "${!NODE_PIDS[@]}"; do
  HEAP_DELTA=$((HEAP_DELTA + AFTER[i] - BEFORE[i])); RSS_TOTAL=$((RSS_TOTAL + RSS[i]))
done
PER_PEER=$(awk -v d="$HEAP_DELTA" -v n="$REGISTERED" 'BEGIN { printf "%.0f", (n > 0 ? d * 1024 / n : 0) }')
MAX_NODE_HEAP_MB=$(printf '%s\n' "${AFTER[@]}" | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')

# One row a step: the generators' counts added, their worst percentiles (percentiles do not add), the
# nodes' CPU as the first generator measured it over its window.
SUMMARY=$(python3 - "$RESULTS" <<'PY'
import json, sys, collections
rows = collections.OrderedDict()
for r in map(json.loads, open(sys.argv[1])):
    rows.setdefault(r["offeredRate"], []).append(r)
for rate, rs in rows.items():
    s = dict(offered=sum(r["offeredRate"] for r in rs), delivered=sum(r["deliveredPerSecond"] for r in rs),
             errors=sum(r["errors"] for r in rs), dropped=sum(r["dropped"] for r in rs),
             p50=max(r["p50Ms"] for r in rs), p99=max(r["p99Ms"] for r in rs), p999=max(r["p999Ms"] for r in rs),
             max=max(r["maxMs"] for r in rs), cores=rs[0]["serverCores"],
             gen=sum(r["loadCpuSeconds"] / r["seconds"] for r in rs))
    s["us"] = s["cores"] * 1e6 / s["delivered"] if s["delivered"] else -1
    print(json.dumps(s))
PY
)

{
  echo "## Rendezvous at scale, $STAMP ($NODES node(s), $PEERS peers from $GENERATORS generator(s), -Xmx$HEAP a node, http.eventLoops $HTTP_EVENT_LOOPS)"
  echo
  echo "Registered $REGISTERED of $PEERS; heap in use after a full GC: $(printf '%s ' "${AFTER[@]}")KiB (before the peers: $(printf '%s ' "${BEFORE[@]}")KiB),"
  echo "**$PER_PEER bytes of heap per registered peer**, largest node heap ${MAX_NODE_HEAP_MB} MiB; RSS of the node(s) $((RSS_TOTAL / 1024)) MiB."
  echo
  echo "| offered msgs/s | delivered msgs/s | errors | not delivered | p50 ms | p99 ms | p99.9 ms | max ms | node CPU (cores) | µs per message | generator CPU (cores) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  echo "$SUMMARY" | python3 -c '
import json, sys
for line in sys.stdin:
    s = json.loads(line)
    print("| %d | %.0f | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f |" % (s["offered"], s["delivered"], s["errors"],
          s["dropped"], s["p50"], s["p99"], s["p999"], s["max"], s["cores"], s["us"], s["gen"]))'
  echo
  python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
firsts = {}
for r in rs:
    firsts.setdefault(r["label"], r)
rate = sum(r["registrationsPerSecond"] for r in firsts.values())
print("Registration: %.0f peers/s (worst p50 %.1f ms, p99 %.1f ms from TCP connect to `registered`), %d failed." % (
      rate, max(r["registerP50Ms"] for r in firsts.values()), max(r["registerP99Ms"] for r in firsts.values()),
      sum(r["registerFailed"] for r in firsts.values())))' "$RESULTS"
} | tee "$REPORT"
echo "raw: $RESULTS; report: $REPORT; logs: $OUT/*-$STAMP.log"

if [ "$GOALS" = 1 ]; then
  fail=0
  if (( NODES == 1 && PEERS >= 50000 )) && (( MAX_NODE_HEAP_MB >= 2048 )); then
    echo "GOAL MISSED: 50,000 peers on one node under 2 GB of heap (${MAX_NODE_HEAP_MB} MiB)"; fail=1
  fi
  if (( REGISTERED < PEERS )); then echo "GOAL MISSED: $((PEERS - REGISTERED)) peers did not register"; fail=1; fi
  best=$(echo "$SUMMARY" | python3 -c '
import json, sys
ok = [s["delivered"] for s in map(json.loads, sys.stdin) if s["p99"] < 50 and s["errors"] == 0 and s["dropped"] == 0]
print(int(max(ok)) if ok else 0)')
  echo "highest delivered rate with p99 < 50 ms and nothing lost: $best msgs/s (goal 50,000)"
  (( best >= 50000 )) || { echo "GOAL MISSED: 50,000 msgs/s with p99 < 50 ms"; fail=1; }
  exit $fail
fi
