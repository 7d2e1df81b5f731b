# Shared by run-stun-bench.sh, run-turn-bench.sh, run-turn-alloc-bench.sh and run-rendezvous-bench.sh
# (sourced, not run): their command line, where every setting comes from the environment, and the
# bookkeeping of the processes they start.

# bench_args "$@": --help prints the script's header comment; any argument else is refused (exit 2).
bench_args() {
  case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "no arguments; settings come from the environment (see --help)" >&2; exit 2 ;;
  esac
}

# require_numbers VAR...: each named setting must be a whole number (exit 2 otherwise).
require_numbers() {
  local v
  for v in "$@"; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$v must be a number, is '${!v}'" >&2; exit 2; }
  done
}

# Processes the script starts go into PIDS; `trap cleanup EXIT` kills them by PID on any exit.
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

stop_pid() { # stop_pid PID: TERM, wait up to 10 s, then KILL; PID leaves PIDS
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]:-}"; do [ "$p" != "$pid" ] && [ -n "$p" ] && keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}

wait_ready() { # wait_ready LOG PID: until LOG has a READY line (30 s at most); fails once PID is gone
  local i
  for i in $(seq 1 300); do
    grep -qs '^READY ' "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
