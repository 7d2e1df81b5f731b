# Shared by run-stun-bench.sh, run-turn-bench.sh, run-turn-alloc-bench.sh and run-rendezvous-bench.sh
# (sourced, not run): their command line, where every setting comes from the environment.

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
