#!/usr/bin/env bash
# Bulk throughput on loopback (issue 11, item 1): SIZE bytes over one stream, one direction, three ways
# in the same run, each repeated REPS times with the median reported:
#   tcp     kernel TCP, iperf3 -n SIZE (the anchor for "what the machine can move")
#   ngtcp2  another QUIC implementation: ngtcp2's example server and client (Debian ngtcp2-server /
#           ngtcp2-client, GnuTLS build), an HTTP/3 download of a SIZE-byte file, discarded
#   ours    p2p-node: `pipe --listen > /dev/null` and `head -c SIZE /dev/zero | pipe PEER` through a
#           rendezvous on 127.0.0.1 (a direct session, QUIC on the punched socket)
# MB/s counts the payload over the time of the transfer: iperf3's own, ngtcp2's client run (its
# handshake included, about 1 ms on loopback), and for ours the sending pipe's summary line (first byte
# to end of stream; the JVM start and the connect are reported apart). CPU s/GB is user+sys of both ends (iperf3: client and server; ngtcp2: client and
# server; ours: both pipe JVMs) per GB moved. Exits 1 when a ratio goal of docs/benchmarks.md is missed
# (ours >= 1.0x ngtcp2, >= 0.5x TCP), 2 on a usage or setup problem.
#
# usage: benchmarks/run-bulk-bench.sh [--size BYTES (default 1G)] [--reps N (default 3)] [--no-goals]
set -euo pipefail

SIZE=1G
REPS=3
GOALS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --no-goals) GOALS=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="$ROOT/node/target/p2p-node.jar"
for tool in iperf3 gtlsclient /usr/sbin/gtlsserver openssl /usr/bin/time python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool: apt-get install iperf3 ngtcp2-client ngtcp2-server openssl time python3" >&2; exit 2; }
done
[ -f "$JAR" ] || { echo "no $JAR: run 'mvn -B -q -DskipTests package' first" >&2; exit 2; }

BYTES=$(numfmt --from=iec "$SIZE")
WORK=$(mktemp -d /tmp/p2p-bulk.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# cpu SECONDS of a finished /usr/bin/time -f '%U %S' file
cpu() { awk '{s += $1 + $2} END {printf "%.3f", s}' "$@"; }
now() { date +%s.%N; }

run_tcp() {
  local port=$((20000 + RANDOM % 20000))
  /usr/bin/time -f '%U %S' -o "$WORK/tcp-server.cpu" iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  /usr/bin/time -f '%U %S' -o "$WORK/tcp-client.cpu" iperf3 -c 127.0.0.1 -p "$port" -n "$BYTES" -J > "$WORK/tcp.json"
  wait "$server" || true
  local secs
  secs=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum_received"]; print(e["seconds"])' "$WORK/tcp.json")
  echo "$secs $(cpu "$WORK/tcp-server.cpu" "$WORK/tcp-client.cpu")"
}

run_ngtcp2() {
  local port=$((20000 + RANDOM % 20000))
  /usr/bin/time -f '%U %S' -o "$WORK/ng-server.cpu" /usr/sbin/gtlsserver -q -d "$WORK/htdocs" 127.0.0.1 "$port" \
    "$WORK/key.pem" "$WORK/cert.pem" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/ng-client.cpu" gtlsclient -q --exit-on-all-streams-close \
    127.0.0.1 "$port" "https://127.0.0.1:$port/blob" >/dev/null 2>&1
  t1=$(now)
  # /usr/bin/time ignores SIGINT and SIGTERM for itself: signal the server it runs.
  pkill -P "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $(cpu "$WORK/ng-server.cpu" "$WORK/ng-client.cpu")"
}

run_ours() {
  local listener_log="$WORK/listen.log" sender_log="$WORK/send.log"
  /usr/bin/time -f '%U %S' -o "$WORK/ours-listen.cpu" java -jar "$JAR" pipe --listen --rendezvous "$SIGNAL" \
    --include-loopback --identity "$WORK/listener.json" > /dev/null 2> "$listener_log" &
  local listener=$!
  local id=""
  for _ in $(seq 1 300); do
    id=$(grep -o 'pq1[a-z2-7]*' "$listener_log" | head -1 || true)
    [ -n "$id" ] && break
    sleep 0.1
  done
  [ -n "$id" ] || { echo "the listening pipe printed no peer id:" >&2; cat "$listener_log" >&2; exit 2; }
  local t0 t1
  t0=$(now)
  head -c "$BYTES" /dev/zero | /usr/bin/time -f '%U %S' -o "$WORK/ours-send.cpu" java -jar "$JAR" pipe "$id" \
    --rendezvous "$SIGNAL" --include-loopback > /dev/null 2> "$sender_log"
  t1=$(now)
  wait "$listener" || { echo "the listening pipe failed:" >&2; cat "$listener_log" >&2; exit 2; }
  # The JVM start and the connect are not bulk transfer: the sender's own summary line
  # ("sent 1.0 GiB, received 0 B in 21.3 s (...)") times the stream from its first byte to its end.
  local secs up_ms
  secs=$(grep -o 'sent .* in [0-9.]* s' "$sender_log" | sed -E 's/.* in ([0-9.]+) s$/\1/' | tail -1)
  [ -n "$secs" ] || { echo "the sending pipe printed no summary:" >&2; cat "$sender_log" >&2; exit 2; }
  up_ms=$(grep -E 'quic handshake done|session up' "$sender_log" | head -1 | awk '{print $2}')
  echo "$secs $(cpu "$WORK/ours-listen.cpu" "$WORK/ours-send.cpu") ${up_ms:-?}"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "setup: ${SIZE} file for ngtcp2, certificate, rendezvous on 127.0.0.1" >&2
mkdir -p "$WORK/htdocs"
head -c "$BYTES" /dev/zero > "$WORK/htdocs/blob"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
HTTP_PORT=$((40000 + RANDOM % 10000))
java -jar "$JAR" rendezvous --bind 127.0.0.1 --http-port "$HTTP_PORT" --stun-port $((HTTP_PORT + 1)) \
  --quic-port -1 > "$WORK/rendezvous.log" 2>&1 &
PIDS+=($!)
SIGNAL="ws://127.0.0.1:$HTTP_PORT/signal"
for _ in $(seq 1 300); do grep -q 'rendezvous ready' "$WORK/rendezvous.log" && break; sleep 0.1; done
grep -q 'rendezvous ready' "$WORK/rendezvous.log" || { echo "rendezvous did not start:" >&2; cat "$WORK/rendezvous.log" >&2; exit 2; }

: > "$WORK/tcp.runs"; : > "$WORK/ng.runs"; : > "$WORK/ours.runs"
for rep in $(seq 1 "$REPS"); do
  echo "rep $rep/$REPS: tcp" >&2; run_tcp >> "$WORK/tcp.runs"
  echo "rep $rep/$REPS: ngtcp2" >&2; run_ngtcp2 >> "$WORK/ng.runs"
  echo "rep $rep/$REPS: ours" >&2; run_ours >> "$WORK/ours.runs"
done

GB=$(echo "$BYTES / 1000000000" | bc -l)
report() { # name file -> "MB/s cpu-s/GB"
  local secs cpus
  secs=$(awk '{print $1}' "$2" | median)
  cpus=$(awk '{print $2}' "$2" | median)
  printf '%s %.1f %.2f\n' "$1" "$(echo "$BYTES / 1000000 / $secs" | bc -l)" "$(echo "$cpus / $GB" | bc -l)"
}
TCP=$(report tcp "$WORK/tcp.runs"); NG=$(report ngtcp2 "$WORK/ng.runs"); OURS=$(report p2p-quic "$WORK/ours.runs")
tcp_mbs=$(echo "$TCP" | awk '{print $2}'); ng_mbs=$(echo "$NG" | awk '{print $2}'); ours_mbs=$(echo "$OURS" | awk '{print $2}')
echo
echo "Bulk transfer on loopback, $SIZE one way, median of $REPS (cores: $(nproc), $(uname -r))"
printf '| %-10s | %8s | %9s |\n' "transfer" "MB/s" "CPU s/GB"
printf '| %-10s | %8s | %9s |\n' "---" "---" "---"
for row in "$TCP" "$NG" "$OURS"; do
  set -- $row
  printf '| %-10s | %8s | %9s |\n' "$1" "$2" "$3"
done
r_ng=$(echo "$ours_mbs / $ng_mbs" | bc -l); r_tcp=$(echo "$ours_mbs / $tcp_mbs" | bc -l)
printf 'ratio ours/ngtcp2 %.2f (goal >= 1.0), ours/tcp %.2f (goal >= 0.5)\n' "$r_ng" "$r_tcp"
echo "our runs: quic handshake done at (ms after the sender started): $(awk '{print $3}' "$WORK/ours.runs" | tr '\n' ' ')"
if [ "$GOALS" = 1 ] && { [ "$(echo "$r_ng < 1.0" | bc)" = 1 ] || [ "$(echo "$r_tcp < 0.5" | bc)" = 1 ]; }; then
  echo "a ratio goal is missed" >&2
  exit 1
fi
