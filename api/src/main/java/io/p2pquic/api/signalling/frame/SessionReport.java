package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code session-report}: a peer tells the rendezvous how a session it signalled through it is doing, so the
 * operator API can show the path and RTT the rendezvous cannot see. Every field is bounded: a session id of
 * at most {@link #MAX_SESSION_ID_LENGTH} URL-safe characters, a state and a path from short fixed lists, an
 * RTT between 0 and {@link #MAX_RTT_MS} ms (absent when unknown), and for a relayed path which relay carries
 * it ({@code via}: the TURN server's address, or "the peer's relay"; at most {@link #MAX_VIA_LENGTH} characters).
 *
 * <pre>{@code {"type":"session-report","id":"c9","sessionId":"0b6f...","state":"connected","path":"relayed",
 *   "via":"203.0.113.10:3478","rttMs":12.5}}</pre>
 */
public record SessionReport(Object id, String sessionId, String state, String path, String via, Double rttMs)
    implements ClientFrame {

  public static final int MAX_SESSION_ID_LENGTH = 64;
  public static final double MAX_RTT_MS = 600_000;
  /** connected: QUIC came up; path-changed: moved between direct and relayed; closed: the session ended. */
  public static final Set<String> STATES = Set.of("connected", "path-changed", "closed");
  /** none: no path (yet, or any more). */
  public static final Set<String> PATHS = Set.of("direct", "relayed", "none");
  static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_SESSION_ID_LENGTH + "}");
  public static final int MAX_VIA_LENGTH = 64;
  /** An address (IPv4, [IPv6]:port, a host name) or a few words: nothing that markup or a log could misread. */
  static final Pattern VIA = Pattern.compile("[A-Za-z0-9.:\\[\\]' _-]{1," + MAX_VIA_LENGTH + "}");

  public SessionReport {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(state, "state");
    if (!SESSION_ID.matcher(sessionId).matches() || !STATES.contains(state) || (path != null && !PATHS.contains(path))
        || (rttMs != null && !(rttMs >= 0 && rttMs <= MAX_RTT_MS)) || (via != null && !VIA.matcher(via).matches())) {
      throw new IllegalArgumentException("not a valid session report: " + sessionId + " " + state + " " + path + " "
          + via + " " + rttMs);
    }
  }

  @Override
  public String type() {
    return SignallingProtocol.SESSION_REPORT;
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type()), id)
        .put("sessionId", sessionId).put("state", state);
    if (path != null) {
      j.put("path", path);
    }
    if (via != null) {
      j.put("via", via);
    }
    if (rttMs != null) {
      j.put("rttMs", rttMs);
    }
    return j;
  }
}
