package io.p2pquic.api.signalling.session;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A message of one session that peers relay to each other through the rendezvous (docs/signalling.md,
 * "Session messages"): the {@code body} of a relayed message whose {@code type} is one of {@link #TYPES}.
 * Every body carries the {@code sessionId} the dialer chose; one record per type says what else it carries.
 *
 * <p>{@link #toJson()} writes the body as the peers always have, field for field and in the same order
 * (aioice and the lab tests read it); {@link #decode} reads a body whatever the order of its fields, checks
 * the required ones and their bounds, and ignores fields it does not know. An optional field of the wrong
 * type is ignored too, as if absent.
 */
public sealed interface SessionSignal {

  /** Longest {@code sessionId} (the dialer's is a UUID: 36 characters). */
  int MAX_SESSION_ID_LENGTH = 64;
  /** Longest free text: a bye's {@code reason}. */
  int MAX_TEXT_LENGTH = 1024;
  /** Most addresses in a list: a TCP offer's {@code candidates}, {@code deadRelays}. */
  int MAX_ADDRESSES = 64;
  /** Longest address ("IP" or "IP:port") or label. */
  int MAX_ADDRESS_LENGTH = 64;

  /** The types of method ice and quic-native (and the bye every method shares). */
  Set<String> ICE_TYPES = Set.of(SignallingProtocol.OFFER, SignallingProtocol.ANSWER, SignallingProtocol.CANDIDATE,
      SignallingProtocol.END_OF_CANDIDATES, SignallingProtocol.BYE, SignallingProtocol.RESTART,
      SignallingProtocol.RESTART_ANSWER, SignallingProtocol.RELAYS_SILENT, SignallingProtocol.NAT_MAPPING);
  /** The types of method tcp (TCP simultaneous open), which ends with a bye too. */
  Set<String> TCP_TYPES = SignallingProtocol.TCP_TYPES;
  /** Every session message type. */
  Set<String> TYPES = union(ICE_TYPES, TCP_TYPES);

  /** The wire {@code type} of the relayed message. */
  String type();

  /** The session it belongs to. */
  String sessionId();

  /** The body, as a peer sends it. */
  JsonObject toJson();

  /** Whether {@code type} is a session message type. */
  static boolean isSessionType(String type) {
    return TYPES.contains(type);
  }

  /**
   * The typed form of a relayed message's body.
   *
   * @throws SessionSignalException saying which field is wrong, or that {@code type} is not a session type
   */
  static SessionSignal decode(String type, JsonObject body) {
    if (body == null) {
      throw new SessionSignalException("a " + type + " needs a body");
    }
    String id = sessionId(body);
    return switch (type == null ? "" : type) {
      case SignallingProtocol.OFFER -> new Offer(id, optional(body, "method", MAX_ADDRESS_LENGTH), IceDescription.fromJson(body));
      case SignallingProtocol.ANSWER -> new Answer(id, optional(body, "method", MAX_ADDRESS_LENGTH), IceDescription.fromJson(body));
      case SignallingProtocol.CANDIDATE -> new Candidate(id, required(body, "candidate", IceDescription.MAX_CANDIDATE_LENGTH));
      case SignallingProtocol.END_OF_CANDIDATES -> new EndOfCandidates(id);
      case SignallingProtocol.BYE -> new Bye(id, optional(body, "reason", MAX_TEXT_LENGTH), optional(body, "failure",
          MAX_ADDRESS_LENGTH));
      case SignallingProtocol.RESTART -> new Restart(id, IceDescription.fromJson(body), addresses(body, "deadRelays", false));
      case SignallingProtocol.RESTART_ANSWER -> new RestartAnswer(id, IceDescription.fromJson(body));
      case SignallingProtocol.RELAYS_SILENT -> new RelaysSilent(id, addresses(body, "deadRelays", false));
      case SignallingProtocol.NAT_MAPPING -> new NatMapping(id, required(body, "mapping", MAX_ADDRESS_LENGTH),
          required(body, "mapped", MAX_ADDRESS_LENGTH));
      case SignallingProtocol.TCP_OFFER -> new TcpOffer(id, addresses(body, "candidates", true));
      case SignallingProtocol.TCP_ANSWER -> new TcpAnswer(id, addresses(body, "candidates", true));
      case SignallingProtocol.TCP_PING -> new TcpPing(id);
      case SignallingProtocol.TCP_PONG -> new TcpPong(id);
      case SignallingProtocol.TCP_GO -> {
        Object n = body.getValue("attempt");
        if (!(n instanceof Integer || n instanceof Long) || ((Number) n).longValue() < 1 || ((Number) n).longValue() > 1000) {
          throw new SessionSignalException("attempt must be a number from 1 to 1000");
        }
        yield new TcpGo(id, ((Number) n).intValue());
      }
      default -> throw new SessionSignalException("not a session message type: " + type);
    };
  }

  /** {@code offer}: the dialer's description; {@code method} is the connect method (ice when absent). */
  record Offer(String sessionId, String method, IceDescription description) implements SessionSignal {
    public Offer {
      sessionId = checkSessionId(sessionId);
      Objects.requireNonNull(description, "description");
    }

    @Override
    public String type() {
      return SignallingProtocol.OFFER;
    }

    /** The description's fields, then {@code sessionId}, then {@code method} unless null. */
    @Override
    public JsonObject toJson() {
      return withMethod(description.toJson().put("sessionId", sessionId), method);
    }
  }

  /** {@code answer}: the answerer's description, shaped as the offer. */
  record Answer(String sessionId, String method, IceDescription description) implements SessionSignal {
    public Answer {
      sessionId = checkSessionId(sessionId);
      Objects.requireNonNull(description, "description");
    }

    @Override
    public String type() {
      return SignallingProtocol.ANSWER;
    }

    @Override
    public JsonObject toJson() {
      return withMethod(description.toJson().put("sessionId", sessionId), method);
    }
  }

  /** {@code candidate}: one trickled candidate, an RFC 8839 {@code candidate:} string. */
  record Candidate(String sessionId, String candidate) implements SessionSignal {
    public Candidate {
      sessionId = checkSessionId(sessionId);
      bounded("candidate", candidate, IceDescription.MAX_CANDIDATE_LENGTH);
    }

    @Override
    public String type() {
      return SignallingProtocol.CANDIDATE;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("candidate", candidate);
    }
  }

  /** {@code end-of-candidates}: the sender gathered all it will. */
  record EndOfCandidates(String sessionId) implements SessionSignal {
    public EndOfCandidates {
      sessionId = checkSessionId(sessionId);
    }

    @Override
    public String type() {
      return SignallingProtocol.END_OF_CANDIDATES;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId);
    }
  }

  /**
   * {@code bye}: the sender ends (or refuses) the session; {@code reason} is for people, {@code failure} the
   * label of the connect failure the other side reports (both optional).
   */
  record Bye(String sessionId, String reason, String failure) implements SessionSignal {
    public Bye {
      sessionId = checkSessionId(sessionId);
      if (reason != null) {
        bounded("reason", reason, MAX_TEXT_LENGTH);
      }
      if (failure != null) {
        bounded("failure", failure, MAX_ADDRESS_LENGTH);
      }
    }

    @Override
    public String type() {
      return SignallingProtocol.BYE;
    }

    @Override
    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("sessionId", sessionId);
      if (reason != null) {
        j.put("reason", reason);
      }
      return failure == null ? j : j.put("failure", failure);
    }
  }

  /** {@code restart}: the offerer's new description for an ICE restart, and the relays it found silent (IPs). */
  record Restart(String sessionId, IceDescription description, List<String> deadRelays) implements SessionSignal {
    public Restart {
      sessionId = checkSessionId(sessionId);
      Objects.requireNonNull(description, "description");
      deadRelays = checkAddresses("deadRelays", deadRelays);
    }

    @Override
    public String type() {
      return SignallingProtocol.RESTART;
    }

    /** The description's fields, then {@code sessionId} and {@code deadRelays} (empty included). */
    @Override
    public JsonObject toJson() {
      return description.toJson().put("sessionId", sessionId).put("deadRelays", new JsonArray(new ArrayList<>(deadRelays)));
    }
  }

  /** {@code restart-answer}: the answerer's new description. */
  record RestartAnswer(String sessionId, IceDescription description) implements SessionSignal {
    public RestartAnswer {
      sessionId = checkSessionId(sessionId);
      Objects.requireNonNull(description, "description");
    }

    @Override
    public String type() {
      return SignallingProtocol.RESTART_ANSWER;
    }

    @Override
    public JsonObject toJson() {
      return description.toJson().put("sessionId", sessionId);
    }
  }

  /** {@code relays-silent}: the dialer heard nothing through these relays (IPs) before ICE selected. */
  record RelaysSilent(String sessionId, List<String> deadRelays) implements SessionSignal {
    public RelaysSilent {
      sessionId = checkSessionId(sessionId);
      deadRelays = checkAddresses("deadRelays", deadRelays);
    }

    @Override
    public String type() {
      return SignallingProtocol.RELAYS_SILENT;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("deadRelays", new JsonArray(new ArrayList<>(deadRelays)));
    }
  }

  /**
   * {@code nat-mapping}: how the sender's NAT maps the session socket ({@link #ENDPOINT_INDEPENDENT} or
   * {@link #ENDPOINT_DEPENDENT}) and the address the STUN server saw ("IP:port"). Any other mapping word is
   * refused, so a peer never guesses a role for hard-NAT punching from a value it does not know.
   */
  record NatMapping(String sessionId, String mapping, String mapped) implements SessionSignal {
    /** One public port for every destination (full cone, restricted cones, no NAT). */
    public static final String ENDPOINT_INDEPENDENT = "endpoint-independent";
    /** A new public port per destination address or address and port (symmetric NAT). */
    public static final String ENDPOINT_DEPENDENT = "endpoint-dependent";

    public NatMapping {
      sessionId = checkSessionId(sessionId);
      if (!ENDPOINT_INDEPENDENT.equals(mapping) && !ENDPOINT_DEPENDENT.equals(mapping)) {
        throw new SessionSignalException("mapping must be " + ENDPOINT_INDEPENDENT + " or " + ENDPOINT_DEPENDENT);
      }
      bounded("mapped", mapped, MAX_ADDRESS_LENGTH);
    }

    /** Whether the sender's NAT gives each destination its own public port. */
    public boolean endpointDependent() {
      return ENDPOINT_DEPENDENT.equals(mapping);
    }

    @Override
    public String type() {
      return SignallingProtocol.NAT_MAPPING;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("mapping", mapping).put("mapped", mapped);
    }
  }

  /** {@code tcp-offer}: the offerer's TCP candidates ("IP:port", server reflexive first). */
  record TcpOffer(String sessionId, List<String> candidates) implements SessionSignal {
    public TcpOffer {
      sessionId = checkSessionId(sessionId);
      candidates = checkAddresses("candidates", candidates);
    }

    @Override
    public String type() {
      return SignallingProtocol.TCP_OFFER;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("candidates", new JsonArray(new ArrayList<>(candidates)));
    }
  }

  /** {@code tcp-answer}: the answerer's TCP candidates. */
  record TcpAnswer(String sessionId, List<String> candidates) implements SessionSignal {
    public TcpAnswer {
      sessionId = checkSessionId(sessionId);
      candidates = checkAddresses("candidates", candidates);
    }

    @Override
    public String type() {
      return SignallingProtocol.TCP_ANSWER;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("candidates", new JsonArray(new ArrayList<>(candidates)));
    }
  }

  /** {@code tcp-ping}: measures the round trip through the rendezvous. */
  record TcpPing(String sessionId) implements SessionSignal {
    public TcpPing {
      sessionId = checkSessionId(sessionId);
    }

    @Override
    public String type() {
      return SignallingProtocol.TCP_PING;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId);
    }
  }

  /** {@code tcp-pong}: the answer to a tcp-ping. */
  record TcpPong(String sessionId) implements SessionSignal {
    public TcpPong {
      sessionId = checkSessionId(sessionId);
    }

    @Override
    public String type() {
      return SignallingProtocol.TCP_PONG;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId);
    }
  }

  /** {@code tcp-go}: the offerer starts connect attempt {@code attempt} (1 to 1000). */
  record TcpGo(String sessionId, int attempt) implements SessionSignal {
    public TcpGo {
      sessionId = checkSessionId(sessionId);
      if (attempt < 1 || attempt > 1000) {
        throw new SessionSignalException("attempt must be a number from 1 to 1000");
      }
    }

    @Override
    public String type() {
      return SignallingProtocol.TCP_GO;
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("sessionId", sessionId).put("attempt", attempt);
    }
  }

  // ---- checks the records share ---------------------------------------------------------------------

  private static String sessionId(JsonObject body) {
    Object id = body.getValue("sessionId");
    if (!(id instanceof String s)) {
      throw new SessionSignalException("sessionId must be a string");
    }
    return s;
  }

  private static String checkSessionId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_SESSION_ID_LENGTH) {
      throw new SessionSignalException("sessionId must be 1 to " + MAX_SESSION_ID_LENGTH + " characters");
    }
    return id;
  }

  /** {@code value}, which must be a string of at most {@code max} characters (for the records here). */
  static String bounded(String field, String value, int max) {
    if (value == null || value.length() > max) {
      throw new SessionSignalException(field + " must be a string of at most " + max + " characters");
    }
    return value;
  }

  private static String required(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    return bounded(field, v instanceof String s ? s : null, max);
  }

  /** A string field, null when absent or not a string; too long is refused. */
  private static String optional(JsonObject body, String field, int max) {
    return body.getValue(field) instanceof String s ? bounded(field, s, max) : null;
  }

  private static List<String> addresses(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (!(v instanceof JsonArray array)) {
      if (required) {
        throw new SessionSignalException(field + " must be an array of addresses");
      }
      return List.of();
    }
    if (array.size() > MAX_ADDRESSES) {
      throw new SessionSignalException(field + " must list at most " + MAX_ADDRESSES + " addresses");
    }
    List<String> out = new ArrayList<>(array.size());
    for (Object o : array) {
      if (!(o instanceof String s)) {
        throw new SessionSignalException(field + " must list addresses as strings, found " + o);
      }
      out.add(s);
    }
    return out;
  }

  private static List<String> checkAddresses(String field, List<String> list) {
    Objects.requireNonNull(list, field);
    if (list.size() > MAX_ADDRESSES) {
      throw new SessionSignalException(field + " must list at most " + MAX_ADDRESSES + " addresses");
    }
    for (String a : list) {
      bounded(field, a, MAX_ADDRESS_LENGTH);
    }
    return List.copyOf(list);
  }

  private static JsonObject withMethod(JsonObject body, String method) {
    return method == null ? body : body.put("method", method);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
