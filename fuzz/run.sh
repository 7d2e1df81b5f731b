#!/usr/bin/env bash
# Fuzzes every @FuzzTest target with Jazzer for a while and prints executions and findings per target.
# In `mvn verify` the same tests only replay their committed inputs (regression mode).
#
#   fuzz/run.sh                  # every target for 5 minutes
#   fuzz/run.sh 30s              # every target for 30 s
#   fuzz/run.sh 10m SignallingSessionFuzzTest   # one target
#
# Needs the modules installed once (mvn -q -DskipTests install). New corpus entries go to
# <module>/.cifuzz-corpus/<class>/<method>/ (not committed); a finding fails the run and Jazzer writes the
# crashing input next to the test's committed inputs (src/test/resources/.../<Class>Inputs/<method>/),
# where it becomes a regression test: fix the code, keep the file.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5m}"
only="${2:-}"
targets=(
  "api:io.p2pquic.api.signalling.frame.ClientFrameDecoderFuzzTest"
  "api:io.p2pquic.api.signalling.frame.ServerFrameDecoderFuzzTest"
  "api:io.p2pquic.api.signalling.session.SessionSignalFuzzTest"
  "stun-codec:io.p2pquic.stun.StunMessageDecoderFuzzTest"
  "stun-codec:io.p2pquic.stun.turn.ChannelDataDecoderFuzzTest"
  "stun-codec:io.p2pquic.stun.StunStreamFramerFuzzTest"
  "puncher-verticle:io.p2pquic.puncher.dcutr.DcutrDecoderFuzzTest"
  "puncher-verticle:io.p2pquic.puncher.PeerConfigFuzzTest"
  "quic-verticle:io.p2pquic.quic.session.StreamPreambleFuzzTest"
  "quic-verticle:io.p2pquic.quic.StreamFinalSizeNoticeFuzzTest"
  "rendezvous-verticle:io.p2pquic.rendezvous.signalling.SignallingSessionFuzzTest"
  "rendezvous-verticle:io.p2pquic.rendezvous.RendezvousConfigFuzzTest"
)
mkdir -p target/fuzz
printf '%-30s %12s %10s %8s  %s\n' target executions exec/s result log
status=0
for t in "${targets[@]}"; do
  module="${t%%:*}"; class="${t#*:}"; name="${class##*.}"
  [[ -n "$only" && "$name" != "$only" ]] && continue
  log="target/fuzz/$name.log"
  if JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" mvn -B -ntp -o -q test -pl "$module" -Dtest="$name" \
      -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true >"$log" 2>&1; then
    result=ok
  else
    result=FINDING; status=1
  fi
  # libFuzzer's last words: "Done 12345678 runs in 300 second(s)"
  done_line="$(grep -ho 'Done [0-9]* runs in [0-9]* second' "$log" "$module"/target/surefire-reports/*"$name"*-output.txt 2>/dev/null | tail -1 || true)"
  runs="$(sed -E 's/Done ([0-9]+) runs in ([0-9]+) second/\1/' <<<"$done_line")"
  secs="$(sed -E 's/Done ([0-9]+) runs in ([0-9]+) second/\2/' <<<"$done_line")"
  rate="-"; [[ -n "$runs" && -n "$secs" && "$secs" -gt 0 ]] && rate=$((runs / secs))
  printf '%-30s %12s %10s %8s  %s\n' "$name" "${runs:--}" "$rate" "$result" "$log"
done
exit $status
