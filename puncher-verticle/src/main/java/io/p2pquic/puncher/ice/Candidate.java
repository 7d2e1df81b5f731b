package io.p2pquic.puncher.ice;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * An ICE candidate (RFC 8445 section 5.1): what is exchanged in signalling, as JSON ({@link
 * #toJson}) or as the SDP {@code candidate} attribute of RFC 8839 ({@link #toSdpAttribute}, {@link
 * #parse}).
 *
 * @param foundation 1-32 ice-chars; equal for candidates of the same type, base IP, server and
 *     transport ({@link #foundation})
 * @param component 1-256 (1 for the one component this project uses)
 * @param transport UDP (TCP only parsed/printed)
 * @param priority per RFC 8445 5.1.2.1 ({@link #priority(CandidateType, int, int)})
 * @param type host, srflx, prflx or relay
 * @param address the transport address; unresolved for FQDN / mDNS ({@code *.local}) candidates
 * @param relatedAddress {@code raddr}/{@code rport}: the base for reflexive candidates, the mapped
 *     address for relayed ones; null for host candidates
 * @param extensions further {@code name value} pairs (e.g. {@code generation 0}, {@code tcptype}), in
 *     order, kept so that a parsed candidate prints back the same
 */
public record Candidate(
    String foundation,
    int component,
    CandidateTransport transport,
    long priority,
    CandidateType type,
    InetSocketAddress address,
    InetSocketAddress relatedAddress,
    Map<String, String> extensions) {

  private static final Pattern ICE_CHARS = Pattern.compile("[A-Za-z0-9+/]{1,32}");
  private static final Pattern TOKEN = Pattern.compile("[!-~]+");
  public static final long MAX_PRIORITY = (1L << 31) - 1;

  public Candidate {
    Objects.requireNonNull(foundation, "foundation");
    if (!ICE_CHARS.matcher(foundation).matches()) {
      throw new IllegalArgumentException("foundation must be 1-32 ice-chars (A-Z a-z 0-9 + /): '" + foundation + "'");
    }
    if (component < 1 || component > 256) {
      throw new IllegalArgumentException("component must be 1-256: " + component);
    }
    Objects.requireNonNull(transport, "transport");
    if (priority < 0 || priority > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("priority out of range: " + priority);
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(address, "address");
    extensions = extensions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    for (Map.Entry<String, String> e : extensions.entrySet()) {
      if (!TOKEN.matcher(e.getKey()).matches() || !TOKEN.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException("extension names and values must be non-empty tokens: " + e);
      }
    }
  }

  /** RFC 8445 5.1.2.1: 2^24 type preference + 2^8 local preference + (256 - component). */
  public static long priority(int typePreference, int localPreference, int component) {
    if (typePreference < 0 || typePreference > 126) {
      throw new IllegalArgumentException("type preference must be 0-126: " + typePreference);
    }
    if (localPreference < 0 || localPreference > 65535) {
      throw new IllegalArgumentException("local preference must be 0-65535: " + localPreference);
    }
    if (component < 1 || component > 256) {
      throw new IllegalArgumentException("component must be 1-256: " + component);
    }
    return ((long) typePreference << 24) + ((long) localPreference << 8) + (256 - component);
  }

  public static long priority(CandidateType type, int localPreference, int component) {
    return priority(type.typePreference(), localPreference, component);
  }

  /**
   * RFC 8445 5.1.1.3: candidates share a foundation when they have the same type, base IP, STUN/TURN
   * server IP ({@code null} for host and peer-reflexive candidates) and transport. Computed as the
   * decimal CRC-32 of those four, so it is stable across runs and agents without shared state.
   */
  public static String foundation(CandidateType type, InetAddress baseIp, InetAddress serverIp, CandidateTransport transport) {
    String key = type.sdpName() + "|" + SocketAddresses.formatIp(baseIp) + "|"
        + (serverIp == null ? "" : SocketAddresses.formatIp(serverIp)) + "|" + transport.name();
    CRC32 crc = new CRC32();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return Long.toString(crc.getValue());
  }

  /** A UDP host candidate. */
  public static Candidate host(InetSocketAddress address, int localPreference, int component) {
    return new Candidate(
        foundation(CandidateType.HOST, address.getAddress(), null, CandidateTransport.UDP),
        component, CandidateTransport.UDP, priority(CandidateType.HOST, localPreference, component),
        CandidateType.HOST, address, null, Map.of());
  }

  /** A UDP server-reflexive candidate learnt through {@code stunServer} from {@code base}. */
  public static Candidate serverReflexive(
      InetSocketAddress mapped, InetSocketAddress base, InetAddress stunServer, int localPreference, int component) {
    return new Candidate(
        foundation(CandidateType.SERVER_REFLEXIVE, base.getAddress(), stunServer, CandidateTransport.UDP),
        component, CandidateTransport.UDP, priority(CandidateType.SERVER_REFLEXIVE, localPreference, component),
        CandidateType.SERVER_REFLEXIVE, mapped, base, Map.of());
  }

  /**
   * A UDP relayed candidate (RFC 8445 5.1.1.2): {@code relayed} allocated on {@code turnServer} from
   * {@code base}; its related address is the {@code mapped} address the TURN server saw (RFC 8839).
   */
  public static Candidate relayed(InetSocketAddress relayed, InetSocketAddress mapped, InetAddress turnServer,
      int localPreference, int component) {
    return new Candidate(
        foundation(CandidateType.RELAYED, relayed.getAddress(), turnServer, CandidateTransport.UDP),
        component, CandidateTransport.UDP, priority(CandidateType.RELAYED, localPreference, component),
        CandidateType.RELAYED, relayed, mapped, Map.of());
  }

  /**
   * The base (RFC 8445 5.1.1): the address itself for host and relayed candidates (a relayed candidate
   * is its own base, 5.1.1.2), else the related address.
   */
  public InetSocketAddress base() {
    return type == CandidateType.HOST || type == CandidateType.RELAYED ? address : relatedAddress;
  }

  /**
   * The attribute value without the {@code candidate:} prefix, as aioice's {@code to_sdp()} and
   * {@code from_sdp()} use it: {@code 1 1 UDP 2130706431 192.0.2.1 50000 typ host}.
   */
  public String toSdp() {
    StringBuilder sb = new StringBuilder()
        .append(foundation).append(' ')
        .append(component).append(' ')
        .append(transport.name()).append(' ')
        .append(priority).append(' ')
        .append(host(address)).append(' ')
        .append(address.getPort())
        .append(" typ ").append(type.sdpName());
    if (relatedAddress != null) {
      sb.append(" raddr ").append(host(relatedAddress)).append(" rport ").append(relatedAddress.getPort());
    }
    extensions.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v));
    return sb.toString();
  }

  /** The RFC 8839 attribute as browsers and SDP carry it: {@code candidate:1 1 UDP ...}. */
  public String toSdpAttribute() {
    return "candidate:" + toSdp();
  }

  /**
   * Parses an RFC 8839 candidate attribute, with or without {@code a=} and {@code candidate:}.
   * Transport and type are case-insensitive; addresses must be IP literals or names (kept
   * unresolved; nothing is looked up).
   */
  public static Candidate parse(String sdp) {
    String s = sdp.trim();
    if (s.startsWith("a=")) {
      s = s.substring(2);
    }
    if (s.regionMatches(true, 0, "candidate:", 0, 10)) {
      s = s.substring(10);
    }
    String[] t = s.split("\\s+");
    if (t.length < 8) {
      throw new IllegalArgumentException("candidate needs at least 8 fields, has " + t.length + ": '" + sdp + "'");
    }
    if (!t[6].equalsIgnoreCase("typ")) {
      throw new IllegalArgumentException("expected 'typ' as the 7th field: '" + sdp + "'");
    }
    try {
      String foundation = t[0];
      int component = Integer.parseInt(t[1]);
      CandidateTransport transport = CandidateTransport.parse(t[2]);
      long priority = Long.parseLong(t[3]);
      InetSocketAddress address = address(t[4], port(t[5]));
      CandidateType type = CandidateType.fromSdpName(t[7]);
      String raddr = null;
      int rport = 0;
      Map<String, String> ext = new LinkedHashMap<>();
      if ((t.length - 8) % 2 != 0) {
        throw new IllegalArgumentException("extension '" + t[t.length - 1] + "' has no value");
      }
      for (int i = 8; i + 1 < t.length; i += 2) {
        switch (t[i]) {
          case "raddr" -> raddr = t[i + 1];
          case "rport" -> rport = port(t[i + 1]);
          default -> ext.put(t[i], t[i + 1]);
        }
      }
      InetSocketAddress related = raddr == null ? null : address(raddr, rport);
      return new Candidate(foundation, component, transport, priority, type, address, related, ext);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number in candidate '" + sdp + "': " + e.getMessage(), e);
    }
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("foundation", foundation)
        .put("component", component)
        .put("transport", transport.name())
        .put("priority", priority)
        .put("type", type.sdpName())
        .put("address", host(address))
        .put("port", address.getPort());
    if (relatedAddress != null) {
      j.put("relatedAddress", host(relatedAddress)).put("relatedPort", relatedAddress.getPort());
    }
    if (!extensions.isEmpty()) {
      JsonObject e = new JsonObject();
      extensions.forEach(e::put);
      j.put("extensions", e);
    }
    return j;
  }

  public static Candidate fromJson(JsonObject j) {
    InetSocketAddress related = j.getString("relatedAddress") == null
        ? null
        : address(j.getString("relatedAddress"), j.getInteger("relatedPort", 0));
    Map<String, String> ext = new LinkedHashMap<>();
    JsonObject e = j.getJsonObject("extensions");
    if (e != null) {
      e.forEach(en -> ext.put(en.getKey(), String.valueOf(en.getValue())));
    }
    return new Candidate(
        j.getString("foundation"),
        j.getInteger("component", 1),
        CandidateTransport.parse(j.getString("transport", "UDP")),
        j.getLong("priority"),
        CandidateType.fromSdpName(j.getString("type")),
        address(j.getString("address"), j.getInteger("port")),
        related,
        ext);
  }

  @Override
  public String toString() {
    return toSdpAttribute();
  }

  private static String host(InetSocketAddress a) {
    return a.isUnresolved() ? a.getHostString() : SocketAddresses.formatIp(a.getAddress());
  }

  private static InetSocketAddress address(String host, int port) {
    return SocketAddresses.isIpLiteral(host)
        ? new InetSocketAddress(SocketAddresses.parseIp(host), port)
        : InetSocketAddress.createUnresolved(host, port);
  }

  private static int port(String s) {
    int p = Integer.parseInt(s);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port out of range: " + s);
    }
    return p;
  }
}
