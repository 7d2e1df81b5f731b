package io.p2pquic.puncher.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.signalling.frame.SessionReport;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the rendezvous how this peer's sessions are doing ({@code session-report}), from the session events
 * of this peer: connected (with the path and the handshake's RTT), path changes, closed. The rendezvous
 * cannot see the data path; its operator API and dashboard show what the peers report. Best effort: a
 * rendezvous that predates the message, or a cluster node that did not relay the session's offer, refuses
 * it, and nothing else depends on it.
 */
final class SessionReporter {
  private static final Logger LOG = LoggerFactory.getLogger(SessionReporter.class);

  private final SignallingClient signalling;
  private final Function<String, JsonObject> pathOf;
  private final MessageConsumer<JsonObject> events;

  /** @param pathOf a session's path JSON ({@code path}: direct, relayed or none), null when unknown */
  SessionReporter(Vertx vertx, SignallingClient signalling, Function<String, JsonObject> pathOf) {
    this.signalling = signalling;
    this.pathOf = pathOf;
    this.events = vertx.eventBus().localConsumer(Addresses.SESSION_EVENTS, m -> onEvent(m.body()));
  }

  private void onEvent(JsonObject e) {
    if (e == null || !signalling.identity().peerId().value().equals(e.getString("localPeer"))) {
      return;
    }
    String sessionId = e.getString("sessionId");
    String type = e.getString("type");
    if (sessionId == null || type == null) {
      return;
    }
    SessionReport report;
    try {
      String path = "connected".equals(type) ? pathNow(sessionId) : null;
      report = switch (type) {
        case "connected" -> new SessionReport(null, sessionId, "connected", path, viaNow(sessionId, path), rtt(e));
        case "path-changed" -> new SessionReport(null, sessionId, "path-changed", e.getString("path"),
            viaNow(sessionId, e.getString("path")), null);
        case "closed" -> new SessionReport(null, sessionId, "closed", "none", null, null);
        default -> null;
      };
    } catch (IllegalArgumentException | ClassCastException notReportable) {
      return; // e.g. a session id the message cannot carry: nothing to tell
    }
    if (report != null && signalling.isConnected()) {
      signalling.reportSession(report).onFailure(err ->
          LOG.debug("session-report of {} not taken: {}", sessionId, err.getMessage()));
    }
  }

  private String pathNow(String sessionId) {
    JsonObject p = pathOf.apply(sessionId);
    String path = p == null ? null : p.getString("path");
    return path != null && SessionReport.PATHS.contains(path) ? path : null;
  }

  /** Which relay carries a relayed path now (its server's address, or "the peer's relay"); null otherwise. */
  private String viaNow(String sessionId, String path) {
    JsonObject p = pathOf.apply(sessionId);
    String via = p == null || !"relayed".equals(path) || !path.equals(p.getString("path")) ? null : p.getString("via");
    return via != null && via.length() <= SessionReport.MAX_VIA_LENGTH ? via : null;
  }

  private static Double rtt(JsonObject e) {
    Object v = e.getValue("rttMs");
    return v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= SessionReport.MAX_RTT_MS
        ? n.doubleValue() : null;
  }

  Future<Void> close() {
    return events.unregister();
  }
}
