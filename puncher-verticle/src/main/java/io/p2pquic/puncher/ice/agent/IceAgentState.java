package io.p2pquic.puncher.ice.agent;

/**
 * State of an {@link IceAgent} (one data stream, one component), reported to {@link
 * IceAgent#stateHandler}. The names follow WebRTC's RTCIceConnectionState, which most readers know:
 *
 * <pre>
 *   NEW ──remote credentials──► CHECKING ──first valid pair──► CONNECTED ──nominated──► COMPLETED
 *    │                              │                              │                    │  ▲
 *    │                              └──────────all pairs failed / timeout──────────►  FAILED │ consent back
 *    │                                                                                ▲  ▼  │
 *    │                                                          consent lost (30 s) ──┴ DISCONNECTED
 *    └──────────────────────────── close() from any state ───────────────────────────► CLOSED
 * </pre>
 */
public enum IceAgentState {
  /** Created; no remote credentials yet (incoming checks are answered, but nothing is sent). */
  NEW,
  /** Remote credentials known; checks are being sent as pairs form. */
  CHECKING,
  /** At least one pair is valid (a working path); no pair is nominated yet. */
  CONNECTED,
  /** A pair is nominated and selected; consent freshness runs on it. */
  COMPLETED,
  /** The selected pair has had no consent response for {@code disconnectedTimeoutMillis}. */
  DISCONNECTED,
  /** No pair could be nominated, or consent was lost ({@link IceAgent#failureReason()} says why). */
  FAILED,
  /** {@link IceAgent#close()} was called. */
  CLOSED;

  public String label() {
    return name().toLowerCase();
  }
}
