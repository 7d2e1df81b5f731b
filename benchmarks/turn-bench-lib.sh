# Shared by run-turn-bench.sh and run-turn-alloc-bench.sh (sourced after bench-lib.sh, not run): the exit
# trap and starting our TurnServerMain or coturn's turnserver on 127.0.0.1 with use-auth-secret.
# Expects: JAR, SECRET, OUR_PORT, COTURN_PORT, TURNSERVER, OUT; optional RUN_SECONDS (300),
# OUR_JAVA_OPTS, OUR_EXTRA_ARGS (array, TurnServerMain options), COTURN_OPTS (extra arguments).

# The processes started here go into bench-lib.sh's PIDS: killed on any exit.
trap cleanup EXIT
trap 'exit 130' INT TERM

RUN_SECONDS=${RUN_SECONDS:-300}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime of PID
start_server() { # start_server ours|coturn LOG; sets SERVER_PID and PORT
  local which=$1 log=$2 i
  if [ "$which" = ours ]; then
    PORT=$OUR_PORT
    java ${OUR_JAVA_OPTS:-} -cp "$JAR" io.p2pquic.bench.TurnServerMain --port "$PORT" --secret "$SECRET" --max-seconds "$RUN_SECONDS" \
      ${OUR_EXTRA_ARGS[@]+"${OUR_EXTRA_ARGS[@]}"} \
      >"$log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_ready "$log" "$SERVER_PID" && return 0
    echo "our server did not start:" >&2; cat "$log" >&2; exit 1
  else
    PORT=$COTURN_PORT
    timeout --signal=TERM "$RUN_SECONDS" "$TURNSERVER" -n --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 \
      --listening-port "$PORT" --use-auth-secret --static-auth-secret="$SECRET" --realm p2p-quic \
      --allow-loopback-peers --no-tls --no-dtls --no-cli --pidfile "$OUT/turnserver.pid" \
      --log-file stdout --simple-log ${COTURN_OPTS:-} >"$log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for i in $(seq 1 100); do
      ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && { sleep 0.3; return 0; }
      sleep 0.1
    done
    echo "coturn did not start:" >&2; cat "$log" >&2; exit 1
  fi
}

