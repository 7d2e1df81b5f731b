package io.p2pquic.rendezvous.signalling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.SessionReport;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sessions this node relayed signalling for, for the operator API: who offered to whom with which
 * method, how far the exchange got (offered, answered), and what the peers reported themselves
 * ({@code session-report}: connected, path, RTT, closed). Bounded: at most {@code capacity} records; a new
 * one first evicts the oldest closed record, else the oldest of all. A record is made only when an offer
 * was delivered, so a stranger cannot fill the table without a registered peer on the other end.
 *
 * <p>Not thread-safe: used on the signalling service's context only.
 */
public final class RelayedSessions {

  /** Meters (documented in node's MetricDescriptions). */
  static final String REPORTS = "p2p.signalling.session.reports";
  static final String EVICTED = "p2p.signalling.session.evicted";
  static final String TRACKED = "p2p.signalling.session.records";

  private final int capacity;
  private final Map<String, Record> records = new LinkedHashMap<>();
  private final Counter accepted;
  private final Counter refused;
  private final Counter evicted;

  RelayedSessions(int capacity, MeterRegistry registry) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, is " + capacity);
    }
    this.capacity = capacity;
    this.accepted = Counter.builder(REPORTS).tag("outcome", "accepted")
        .description("session-report messages from peers, by outcome").register(registry);
    this.refused = Counter.builder(REPORTS).tag("outcome", "refused")
        .description("session-report messages from peers, by outcome").register(registry);
    this.evicted = Counter.builder(EVICTED)
        .description("session records dropped to keep the table within its bound").register(registry);
    Gauge.builder(TRACKED, records, Map::size)
        .description("session records this node keeps for the operator API").register(registry);
  }

  /** One relayed session. Offerer and answerer are authenticated peer ids (from the connections). */
  static final class Record {
    final String sessionId;
    final PeerId offerer;
    final PeerId answerer;
    final String method;
    final long createdAt;
    String state = "offered";
    String path;
    String via;
    Double rttMs;
    long updatedAt;
    String reportedBy;

    Record(String sessionId, PeerId offerer, PeerId answerer, String method, long now) {
      this.sessionId = sessionId;
      this.offerer = offerer;
      this.answerer = answerer;
      this.method = method;
      this.createdAt = now;
      this.updatedAt = now;
    }

    boolean involves(PeerId p) {
      return offerer.equals(p) || answerer.equals(p);
    }

    JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("offerer", offerer.value())
          .put("answerer", answerer.value()).put("method", method).put("state", state)
          .put("path", path).put("via", via).put("rttMs", rttMs).put("createdAt", createdAt).put("updatedAt", updatedAt)
          .put("reportedBy", reportedBy);
    }
  }

  /**
   * A session message {@code from} sent to {@code to} was delivered: an offer opens a record, the answer
   * from the offer's target moves it to answered, a bye from either side closes it.
   */
  void delivered(String type, PeerId from, PeerId to, JsonObject body) {
    Object id = body == null ? null : body.getValue("sessionId");
    if (!(id instanceof String sessionId) || sessionId.length() > SessionReport.MAX_SESSION_ID_LENGTH) {
      return;
    }
    long now = System.currentTimeMillis();
    Record r = records.get(sessionId);
    switch (type) {
      case SignallingProtocol.OFFER, SignallingProtocol.TCP_OFFER -> {
        if (r != null) {
          return; // the first offer of a session id stands: a second cannot take it over
        }
        String method = SignallingProtocol.TCP_OFFER.equals(type) ? "tcp" : methodOf(body);
        makeRoom();
        records.put(sessionId, new Record(sessionId, from, to, method, now));
      }
      case SignallingProtocol.ANSWER, SignallingProtocol.TCP_ANSWER -> {
        if (r != null && r.answerer.equals(from) && r.offerer.equals(to) && "offered".equals(r.state)) {
          r.state = "answered";
          r.updatedAt = now;
        }
      }
      case SignallingProtocol.BYE -> {
        if (r != null && r.involves(from) && r.involves(to)) {
          r.state = "closed";
          r.updatedAt = now;
        }
      }
      default -> {
        // candidates, restarts, DCUtR messages: nothing the table shows
      }
    }
  }

  private static String methodOf(JsonObject body) {
    Object m = body.getValue("method");
    // The offer's method is one of a handful of short labels; anything else is shown as unknown.
    return m instanceof String s && s.matches("[a-z-]{1,16}") ? s : "ice";
  }

  /**
   * A report of {@code reporter} (authenticated): accepted only for a session this node relayed between that
   * peer and another, so no peer can write another's session. Returns whether it was accepted (counted).
   */
  boolean report(PeerId reporter, SessionReport report) {
    Record r = records.get(report.sessionId());
    if (r == null || !r.involves(reporter)) {
      refused.increment();
      return false;
    }
    accepted.increment();
    r.updatedAt = System.currentTimeMillis();
    r.reportedBy = reporter.value();
    if ("closed".equals(report.state())) {
      r.state = "closed";
    } else if (!"closed".equals(r.state)) {
      r.state = "connected";
    }
    if (report.path() != null) {
      r.path = report.path();
      r.via = report.via(); // a move to direct forgets the relay
    }
    if (report.rttMs() != null) {
      r.rttMs = report.rttMs();
    }
    return true;
  }

  /** Evicts one record when full: the oldest closed one, else the oldest. */
  private void makeRoom() {
    if (records.size() < capacity) {
      return;
    }
    Iterator<Record> it = records.values().iterator();
    Record victim = null;
    while (it.hasNext()) {
      Record r = it.next();
      if ("closed".equals(r.state)) {
        victim = r;
        break;
      }
    }
    records.remove(victim != null ? victim.sessionId : records.keySet().iterator().next());
    evicted.increment();
  }

  /** Newest first. */
  JsonArray toJson() {
    JsonArray out = new JsonArray();
    Record[] all = records.values().toArray(new Record[0]);
    for (int i = all.length - 1; i >= 0; i--) {
      out.add(all[i].toJson());
    }
    return out;
  }

  int size() {
    return records.size();
  }

  int capacity() {
    return capacity;
  }
}
