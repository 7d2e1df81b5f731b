#!/usr/bin/env bash
# Bulk throughput (issue 11, item 1): SIZE bytes over one stream, one direction, each way below in the
# same run, each repeated REPS times with the median reported:
#   tcp     kernel TCP, iperf3 -n SIZE (the anchor for "what the machine can move")
#   ngtcp2  another QUIC implementation: ngtcp2's example server and client (Debian ngtcp2-server /
#           ngtcp2-client, GnuTLS build), an HTTP/3 download of a SIZE-byte file, discarded
#   ours    p2p-node: `pipe --listen > /dev/null` and `head -c SIZE /dev/zero | pipe PEER` through a
#           rendezvous (a direct session, QUIC on the punched socket)
# and with --relay, the same `pipe` forced onto a TURN relay (`--method relay`), once through the
# rendezvous's own relay and once through coturn's `turnserver` relaying the same QUIC flow:
#   relay-ours, relay-coturn
# Where: on 127.0.0.1 (default), or with --lab in a NAT lab (root; `p2p-node lab up`): every receiving
# end (iperf3 -s, the ngtcp2 server, the listening pipe, rendezvous and relays) on the lab's public server,
# every sending end on a host behind a port-restricted NAT, so all ways cross the same router; --delay MS
# puts MS one-way on that router's WAN (the lab's user-space delay forwarder, which then bounds every way).
# MB/s counts the payload over the time of the transfer: iperf3's own, ngtcp2's client run (its
# handshake included, about 1 ms on loopback), and for ours the sending pipe's summary line (first byte
# to end of stream; the JVM start and the connect are reported apart). CPU s/GB is user+sys of both ends
# (iperf3: client and server; ngtcp2: client and server; ours: both pipe JVMs) per GB moved; for the relay
# rows also the relay server's own CPU per GB (the rendezvous process, or turnserver). Exits 1 when a
# ratio goal of docs/benchmarks.md is missed (ours >= 1.0x ngtcp2, >= 0.5x TCP; with --relay relay-ours
# >= 1.0x relay-coturn in MB/s and <= 1.0x in relay CPU per GB), 2 on a usage or setup problem.
#
# usage: benchmarks/run-bulk-bench.sh [--size BYTES (default 1G)] [--reps N (default 3)] [--relay]
#                                     [--lab [--delay MS]] [--no-goals]     (env P2P_NODE_JAR: the jar to run)
set -euo pipefail

SIZE=1G
REPS=3
GOALS=1
RELAY=0
LAB=0
DELAY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --relay) RELAY=1; shift ;;
    --lab) LAB=1; shift ;;
    --delay) DELAY="$2"; shift 2 ;;
    --no-goals) GOALS=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "--reps must be a whole number >= 1" >&2; exit 2; }
[[ "$DELAY" =~ ^[0-9]+$ ]] || { echo "--delay must be whole milliseconds" >&2; exit 2; }
[ "$DELAY" = 0 ] || [ "$LAB" = 1 ] || { echo "--delay needs --lab" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${P2P_NODE_JAR:-$ROOT/node/target/p2p-node.jar}"   # P2P_NODE_JAR: another build, for A/B runs
for tool in iperf3 gtlsclient /usr/sbin/gtlsserver openssl /usr/bin/time python3 bc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool: apt-get install iperf3 ngtcp2-client ngtcp2-server openssl time python3 bc" >&2; exit 2; }
done
[ "$RELAY" = 0 ] || command -v turnserver >/dev/null 2>&1 || { echo "missing turnserver: apt-get install coturn" >&2; exit 2; }
[ -f "$JAR" ] || { echo "no $JAR: run 'mvn -B -q -DskipTests package' first" >&2; exit 2; }
[ "$LAB" = 0 ] || [ "$(id -u)" = 0 ] || { echo "--lab needs root (network namespaces)" >&2; exit 2; }

BYTES=$(numfmt --from=iec "$SIZE")
WORK=$(mktemp -d /tmp/p2p-bulk.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ "$LAB" = 1 ]; then java -jar "$JAR" lab down --state-file "$WORK/lab.json" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# Where each end runs: SRV (receivers, rendezvous, relays) and CLI (senders) prefix a command.
if [ "$LAB" = 1 ]; then
  echo "setup: NAT lab, sender behind a port-restricted NAT, ${DELAY} ms one way on its WAN" >&2
  java -jar "$JAR" lab up --peers a=port-restricted --delay "$DELAY" --state-file "$WORK/lab.json" > "$WORK/lab.log" 2>&1 \
    || { echo "the NAT lab did not come up:" >&2; cat "$WORK/lab.log" >&2; exit 2; }
  SRV=(ip netns exec "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serverNamespace"])' "$WORK/lab.json")")
  CLI=(ip netns exec "$(java -jar "$JAR" lab status --host a --state-file "$WORK/lab.json")")
  SERVER_IP=203.0.113.10; RELAY_IP=203.0.113.11; COTURN_PORT=3478; LOOPBACK=()
  WHERE="in the NAT lab (port-restricted NAT, ${DELAY} ms one way)"
else
  SRV=(); CLI=()
  SERVER_IP=127.0.0.1; RELAY_IP=127.0.0.1; COTURN_PORT=$((30000 + RANDOM % 5000)); LOOPBACK=(--include-loopback)
  WHERE="on loopback"
fi

# cpu SECONDS of a finished /usr/bin/time -f '%U %S' file
cpu() { awk '{s += $1 + $2} END {printf "%.3f", s}' "$@"; }
# CPU seconds a running process has used so far (user + system, from /proc)
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
now() { date +%s.%N; }

run_tcp() {
  local port=$((20000 + RANDOM % 20000))
  "${SRV[@]}" /usr/bin/time -f '%U %S' -o "$WORK/tcp-server.cpu" iperf3 -s -1 -B "$SERVER_IP" -p "$port" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  "${CLI[@]}" /usr/bin/time -f '%U %S' -o "$WORK/tcp-client.cpu" iperf3 -c "$SERVER_IP" -p "$port" -n "$BYTES" -J > "$WORK/tcp.json"
  wait "$server" || true
  local secs
  secs=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum_received"]; print(e["seconds"])' "$WORK/tcp.json")
  echo "$secs $(cpu "$WORK/tcp-server.cpu" "$WORK/tcp-client.cpu")"
}

run_ngtcp2() {
  local port=$((20000 + RANDOM % 20000))
  "${SRV[@]}" /usr/bin/time -f '%U %S' -o "$WORK/ng-server.cpu" /usr/sbin/gtlsserver -q -d "$WORK/htdocs" "$SERVER_IP" "$port" \
    "$WORK/key.pem" "$WORK/cert.pem" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  local t0 t1
  t0=$(now)
  "${CLI[@]}" /usr/bin/time -f '%U %S' -o "$WORK/ng-client.cpu" gtlsclient -q --exit-on-all-streams-close \
    "$SERVER_IP" "$port" "https://$SERVER_IP:$port/blob" >/dev/null 2>&1
  t1=$(now)
  # /usr/bin/time ignores SIGINT and SIGTERM for itself: signal the server it runs (in the lab, under ip netns exec).
  pkill -f "gtlsserver -q -d $WORK/htdocs $SERVER_IP $port" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $(cpu "$WORK/ng-server.cpu" "$WORK/ng-client.cpu")"
}

# run_ours direct|relay-ours|relay-coturn: one pipe pair; prints "secs cpu-s-of-both-ends up-ms relay-cpu-s"
run_ours() {
  local way=$1 listener_log="$WORK/listen.log" sender_log="$WORK/send-$1.log" args=() relay_pid="" expect
  case "$way" in
    direct) expect='path +direct' ;;
    relay-ours) args=(--method relay); relay_pid=$RENDEZVOUS_PID; expect="path +relay .* via $SERVER_IP:" ;;
    relay-coturn) args=(--method relay --config "$WORK/peer-coturn.json"); relay_pid=$COTURN_PID
      expect="path +relay .* via $RELAY_IP:$COTURN_PORT" ;;
  esac
  "${SRV[@]}" /usr/bin/time -f '%U %S' -o "$WORK/ours-listen.cpu" java -jar "$JAR" pipe --listen --rendezvous "$SIGNAL" \
    --stun "$SERVER_IP:$STUN_PORT" ${LOOPBACK[@]+"${LOOPBACK[@]}"} --identity "$WORK/listener.json" > /dev/null 2> "$listener_log" &
  local listener=$!
  local id=""
  for _ in $(seq 1 300); do
    id=$(grep -o 'pq1[a-z2-7]*' "$listener_log" | head -1 || true)
    [ -n "$id" ] && break
    sleep 0.1
  done
  [ -n "$id" ] || { echo "the listening pipe printed no peer id:" >&2; cat "$listener_log" >&2; exit 2; }
  local relay_before=0
  [ -z "$relay_pid" ] || relay_before=$(proc_cpu "$relay_pid")
  head -c "$BYTES" /dev/zero | "${CLI[@]}" /usr/bin/time -f '%U %S' -o "$WORK/ours-send.cpu" java -jar "$JAR" pipe "$id" \
    --rendezvous "$SIGNAL" --stun "$SERVER_IP:$STUN_PORT" ${LOOPBACK[@]+"${LOOPBACK[@]}"} ${args[@]+"${args[@]}"} \
    > /dev/null 2> "$sender_log"
  wait "$listener" || { echo "the listening pipe failed:" >&2; cat "$listener_log" >&2; exit 2; }
  local relay_cpu=0
  [ -z "$relay_pid" ] || relay_cpu=$(echo "$(proc_cpu "$relay_pid") - $relay_before" | bc -l)
  # A run on the wrong path measures something else: the sender's timeline names the path it took.
  grep -Eq "$expect" "$sender_log" || { echo "$way: the session did not take the expected path ($expect):" >&2; cat "$sender_log" >&2; exit 2; }
  # The JVM start and the connect are not bulk transfer: the sender's own summary line
  # ("sent 1.0 GiB, received 0 B in 21.3 s (...)") times the stream from its first byte to its end.
  local secs up_ms
  secs=$(grep -o 'sent .* in [0-9.]* s' "$sender_log" | sed -E 's/.* in ([0-9.]+) s$/\1/' | tail -1)
  [ -n "$secs" ] || { echo "the sending pipe printed no summary:" >&2; cat "$sender_log" >&2; exit 2; }
  up_ms=$(grep -E 'quic handshake done|session up' "$sender_log" | head -1 | awk '{print $2}')
  echo "$secs $(cpu "$WORK/ours-listen.cpu" "$WORK/ours-send.cpu") ${up_ms:-?} $relay_cpu"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "setup: ${SIZE} file for ngtcp2, certificate, rendezvous on $SERVER_IP" >&2
mkdir -p "$WORK/htdocs"
head -c "$BYTES" /dev/zero > "$WORK/htdocs/blob"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
HTTP_PORT=$((40000 + RANDOM % 10000))
STUN_PORT=$((HTTP_PORT + 1))
SECRET="bulk-$RANDOM$RANDOM"
# The rendezvous's relay serves every registered peer, unthrottled (the default caps an allocation at
# 2 MiB/s), and relays to the lab's (or loopback's) addresses, which its peer policy refuses by default.
cat > "$WORK/rendezvous.json" <<EOF
{"turn": {"grant": "all-registered", "authSecret": "$SECRET", "bandwidthBytesPerSecond": 0,
          "allowedPeerRanges": ["127.0.0.0/8", "10.0.0.0/8", "203.0.113.0/24"]}}
EOF
"${SRV[@]}" java -jar "$JAR" rendezvous --config "$WORK/rendezvous.json" --bind "$SERVER_IP" --http-port "$HTTP_PORT" \
  --stun-port "$STUN_PORT" --quic-port -1 > "$WORK/rendezvous.log" 2>&1 &
PIDS+=($!)
SIGNAL="ws://$SERVER_IP:$HTTP_PORT/signal"
for _ in $(seq 1 300); do grep -q 'rendezvous ready' "$WORK/rendezvous.log" && break; sleep 0.1; done
grep -q 'rendezvous ready' "$WORK/rendezvous.log" || { echo "rendezvous did not start:" >&2; cat "$WORK/rendezvous.log" >&2; exit 2; }
RENDEZVOUS_PID=$(pgrep -f -- "rendezvous --config $WORK/rendezvous.json" | head -1)
COTURN_PID=""
if [ "$RELAY" = 1 ]; then
  "${SRV[@]}" turnserver -n --listening-ip "$RELAY_IP" --relay-ip "$RELAY_IP" --listening-port "$COTURN_PORT" \
    --use-auth-secret --static-auth-secret="$SECRET" --realm p2p-quic --allow-loopback-peers --no-tls --no-dtls \
    --no-cli --pidfile "$WORK/turnserver.pid" --log-file stdout --simple-log > "$WORK/coturn.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -s "$WORK/turnserver.pid" ] && break; sleep 0.1; done
  COTURN_PID=$(cat "$WORK/turnserver.pid" 2>/dev/null || true)
  [ -n "$COTURN_PID" ] || { echo "coturn did not start:" >&2; cat "$WORK/coturn.log" >&2; exit 2; }
  # coturn's time-limited credentials (its --use-auth-secret): user "expiry:name", password
  # base64(HMAC-SHA1(secret, user)); the sender relays through it instead of the rendezvous's relay.
  user="$(( $(date +%s) + 86400 )):bulk"
  pass=$(python3 -c 'import base64,hashlib,hmac,sys; print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).digest()).decode())' "$SECRET" "$user")
  cat > "$WORK/peer-coturn.json" <<EOF
{"gathering": {"turnServers": [{"host": "$RELAY_IP", "port": $COTURN_PORT, "username": "$user", "password": "$pass"}]}}
EOF
fi

WAYS=(tcp ngtcp2 direct)
[ "$RELAY" = 0 ] || WAYS+=(relay-ours relay-coturn)
for way in "${WAYS[@]}"; do : > "$WORK/$way.runs"; done
for rep in $(seq 1 "$REPS"); do
  for way in "${WAYS[@]}"; do
    echo "rep $rep/$REPS: $way" >&2
    case "$way" in
      tcp) run_tcp >> "$WORK/$way.runs" ;;
      ngtcp2) run_ngtcp2 >> "$WORK/$way.runs" ;;
      *) run_ours "$way" >> "$WORK/$way.runs" ;;
    esac
  done
done

GB=$(echo "$BYTES / 1000000000" | bc -l)
col() { awk -v c="$2" '{print $c}' "$WORK/$1.runs" | median; }
mbs() { echo "$BYTES / 1000000 / $(col "$1" 1)" | bc -l; }
echo
echo "Bulk transfer $WHERE, $SIZE one way, median of $REPS (cores: $(nproc), $(uname -r))"
printf '| %-22s | %8s | %15s | %16s |\n' "transfer" "MB/s" "ends CPU s/GB" "relay CPU s/GB"
printf '| %-22s | %8s | %15s | %16s |\n' "---" "---:" "---:" "---:"
for way in "${WAYS[@]}"; do
  name=$way; relay_col="-"
  case "$way" in
    direct) name="p2p-quic direct" ;;
    relay-ours) name="p2p-quic via our relay"; relay_col=$(printf '%.2f' "$(echo "$(col "$way" 4) / $GB" | bc -l)") ;;
    relay-coturn) name="p2p-quic via coturn"; relay_col=$(printf '%.2f' "$(echo "$(col "$way" 4) / $GB" | bc -l)") ;;
  esac
  printf '| %-22s | %8.1f | %15.2f | %16s |\n' "$name" "$(mbs "$way")" "$(echo "$(col "$way" 2) / $GB" | bc -l)" "$relay_col"
done
r_ng=$(echo "$(mbs direct) / $(mbs ngtcp2)" | bc -l); r_tcp=$(echo "$(mbs direct) / $(mbs tcp)" | bc -l)
printf 'ratio ours/ngtcp2 %.2f (goal >= 1.0), ours/tcp %.2f (goal >= 0.5)\n' "$r_ng" "$r_tcp"
missed=$(echo "$r_ng < 1.0 || $r_tcp < 0.5" | bc)
if [ "$RELAY" = 1 ]; then
  r_relay=$(echo "$(mbs relay-ours) / $(mbs relay-coturn)" | bc -l)
  r_relay_cpu=$(echo "$(col relay-ours 4) / $(col relay-coturn 4)" | bc -l)
  printf 'relay: ours/coturn %.2f in MB/s (goal >= 1.0), %.2f in relay CPU per GB (goal <= 1.0)\n' "$r_relay" "$r_relay_cpu"
  missed=$(echo "$missed || $r_relay < 1.0 || $r_relay_cpu > 1.0" | bc)
fi
echo "our runs: quic handshake done at (ms after the sender started): $(awk '{print $3}' "$WORK/direct.runs" | tr '\n' ' ')"
if [ "$GOALS" = 1 ] && [ "$missed" = 1 ]; then
  echo "a ratio goal is missed" >&2
  exit 1
fi
