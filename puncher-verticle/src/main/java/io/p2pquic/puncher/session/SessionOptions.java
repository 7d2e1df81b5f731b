package io.p2pquic.puncher.session;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.puncher.hardnat.HardNatOptions;
import io.p2pquic.puncher.mdns.MdnsOptions;
import io.p2pquic.puncher.portmap.PortMappingOptions;
import io.p2pquic.puncher.quicnative.QuicNativeOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Timings of an ICE session above the agent ({@code session} in the peer configuration): ICE restart
 * delivery and relay upkeep. A mutable data object with a JSON round trip; unknown keys and values that
 * are not positive are refused with the key's name. All keys optional:
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code restartDeliveryMillis}</td><td>30000</td><td>how long a restart offer is sent again while
 *     the peer does not answer (its signalling may be reconnecting after the same NAT event)</td></tr>
 * <tr><td>{@code restartResendMillis}</td><td>2000</td><td>the gap between those sends</td></tr>
 * <tr><td>{@code reflexiveRefreshMillis}</td><td>2000</td><td>the STUN-only gathering before a restart
 *     description (a rebound NAT gives a new server-reflexive address)</td></tr>
 * <tr><td>{@code relayProbeMillis}</td><td>1500</td><td>a relay suspected dead has this long to answer a
 *     Refresh before our allocation there is dropped</td></tr>
 * <tr><td>{@code reallocationMillis}</td><td>10000</td><td>how long a session keeps asking for a live relay
 *     after its last one died</td></tr>
 * <tr><td>{@code relayKeepaliveMillis}</td><td>15000</td><td>a Binding indication to each relay server this
 *     often, so the NAT mapping towards it outlives idle periods while the session runs direct</td></tr>
 * <tr><td>{@code repunchMillis}</td><td>15000</td><td>after a fallback from a direct path to the relay, the
 *     dialer tries for a direct path again this long later (ICE restart, or hard-NAT punching where that
 *     found the path), doubling up to {@code repunchMaxMillis}</td></tr>
 * <tr><td>{@code repunchMaxMillis}</td><td>300000</td><td>the longest gap between those tries</td></tr>
 * <tr><td>{@code socketPoolSize}</td><td>1</td><td>session sockets kept bound with their host and
 *     server-reflexive candidates gathered, so an {@code ice} or {@code auto} session's offer or answer carries
 *     them at once ({@link SessionSocketPool}); after a first quic-native session, also one socket kept attached to
 *     the rendezvous's QUIC signalling ({@link io.p2pquic.puncher.quicnative.AttachedSocketPool}); 0 = off</td></tr>
 * <tr><td>{@code socketPoolRefreshMillis}</td><td>15000</td><td>each pooled socket repeats its STUN Binding (an
 *     attached one: its attachment) this often (keeps its NAT mapping, notices a changed one)</td></tr>
 * <tr><td>{@code hardNat}</td><td>{@link HardNatOptions}</td><td>hard-NAT punching of method auto</td></tr>
 * <tr><td>{@code portMapping}</td><td>{@link PortMappingOptions}</td><td>PCP / NAT-PMP mapping of each session's
 *     port (methods ice, auto and dcutr)</td></tr>
 * <tr><td>{@code mdns}</td><td>{@link MdnsOptions}</td><td>private host addresses offered as {@code .local} names</td></tr>
 * <tr><td>{@code quicNative}</td><td>{@link QuicNativeOptions}</td><td>method quic-native's probe pacing and
 *     timeouts</td></tr>
 * </table>
 */
public final class SessionOptions extends JsonDataObject {
  public static final long DEFAULT_RESTART_DELIVERY_MILLIS = 30_000;
  public static final long DEFAULT_RESTART_RESEND_MILLIS = 2_000;
  public static final long DEFAULT_REFLEXIVE_REFRESH_MILLIS = 2_000;
  public static final long DEFAULT_RELAY_PROBE_MILLIS = 1_500;
  public static final long DEFAULT_REALLOCATION_MILLIS = 10_000;
  public static final long DEFAULT_RELAY_KEEPALIVE_MILLIS = 15_000;
  public static final long DEFAULT_REPUNCH_MILLIS = 15_000;
  public static final long DEFAULT_REPUNCH_MAX_MILLIS = 300_000;
  public static final int DEFAULT_SOCKET_POOL_SIZE = 1;
  public static final long DEFAULT_SOCKET_POOL_REFRESH_MILLIS = 15_000;
  private static final List<String> KNOWN = List.of("restartDeliveryMillis", "restartResendMillis",
      "reflexiveRefreshMillis", "relayProbeMillis", "reallocationMillis", "relayKeepaliveMillis", "repunchMillis",
      "repunchMaxMillis", "socketPoolSize", "socketPoolRefreshMillis", "hardNat", "portMapping", "mdns",
      "quicNative");

  private long restartDeliveryMillis = DEFAULT_RESTART_DELIVERY_MILLIS;
  private long restartResendMillis = DEFAULT_RESTART_RESEND_MILLIS;
  private long reflexiveRefreshMillis = DEFAULT_REFLEXIVE_REFRESH_MILLIS;
  private long relayProbeMillis = DEFAULT_RELAY_PROBE_MILLIS;
  private long reallocationMillis = DEFAULT_REALLOCATION_MILLIS;
  private long relayKeepaliveMillis = DEFAULT_RELAY_KEEPALIVE_MILLIS;
  private long repunchMillis = DEFAULT_REPUNCH_MILLIS;
  private long repunchMaxMillis = DEFAULT_REPUNCH_MAX_MILLIS;
  private int socketPoolSize = DEFAULT_SOCKET_POOL_SIZE;
  private long socketPoolRefreshMillis = DEFAULT_SOCKET_POOL_REFRESH_MILLIS;
  private HardNatOptions hardNat = new HardNatOptions();
  private PortMappingOptions portMapping = new PortMappingOptions();
  private MdnsOptions mdns = new MdnsOptions();
  private QuicNativeOptions quicNative = new QuicNativeOptions();

  public SessionOptions() {}

  public SessionOptions(SessionOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public SessionOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      if (k.equals("hardNat")) {
        setHardNat(new HardNatOptions(StrictConfig.object(v)));
        return;
      }
      if (k.equals("portMapping")) {
        setPortMapping(new PortMappingOptions(StrictConfig.object(v)));
        return;
      }
      if (k.equals("mdns")) {
        setMdns(new MdnsOptions(StrictConfig.object(v)));
        return;
      }
      if (k.equals("quicNative")) {
        setQuicNative(new QuicNativeOptions(StrictConfig.object(v)));
        return;
      }
      long n = StrictConfig.longValue(v);
      switch (k) {
        case "restartDeliveryMillis" -> setRestartDeliveryMillis(n);
        case "restartResendMillis" -> setRestartResendMillis(n);
        case "reflexiveRefreshMillis" -> setReflexiveRefreshMillis(n);
        case "relayProbeMillis" -> setRelayProbeMillis(n);
        case "reallocationMillis" -> setReallocationMillis(n);
        case "relayKeepaliveMillis" -> setRelayKeepaliveMillis(n);
        case "repunchMillis" -> setRepunchMillis(n);
        case "repunchMaxMillis" -> setRepunchMaxMillis(n);
        case "socketPoolSize" -> setSocketPoolSize(StrictConfig.intValue(v));
        case "socketPoolRefreshMillis" -> setSocketPoolRefreshMillis(n);
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("restartDeliveryMillis", restartDeliveryMillis)
        .put("restartResendMillis", restartResendMillis)
        .put("reflexiveRefreshMillis", reflexiveRefreshMillis)
        .put("relayProbeMillis", relayProbeMillis)
        .put("reallocationMillis", reallocationMillis)
        .put("relayKeepaliveMillis", relayKeepaliveMillis)
        .put("repunchMillis", repunchMillis)
        .put("repunchMaxMillis", repunchMaxMillis)
        .put("socketPoolSize", socketPoolSize)
        .put("socketPoolRefreshMillis", socketPoolRefreshMillis)
        .put("hardNat", hardNat.toJson())
        .put("portMapping", portMapping.toJson())
        .put("mdns", mdns.toJson())
        .put("quicNative", quicNative.toJson());
  }

  public long relayKeepaliveMillis() {
    return relayKeepaliveMillis;
  }

  public SessionOptions setRelayKeepaliveMillis(long millis) {
    relayKeepaliveMillis = StrictConfig.positive("relayKeepaliveMillis", millis);
    return this;
  }

  public long repunchMillis() {
    return repunchMillis;
  }

  public SessionOptions setRepunchMillis(long millis) {
    repunchMillis = StrictConfig.positive("repunchMillis", millis);
    return this;
  }

  public long repunchMaxMillis() {
    return repunchMaxMillis;
  }

  public SessionOptions setRepunchMaxMillis(long millis) {
    repunchMaxMillis = StrictConfig.positive("repunchMaxMillis", millis);
    return this;
  }

  public int socketPoolSize() {
    return socketPoolSize;
  }

  public SessionOptions setSocketPoolSize(int size) {
    socketPoolSize = (int) StrictConfig.inRange("socketPoolSize", size, 0, 16);
    return this;
  }

  public long socketPoolRefreshMillis() {
    return socketPoolRefreshMillis;
  }

  public SessionOptions setSocketPoolRefreshMillis(long millis) {
    socketPoolRefreshMillis = StrictConfig.positive("socketPoolRefreshMillis", millis);
    return this;
  }

  public HardNatOptions hardNat() {
    return hardNat;
  }

  public SessionOptions setHardNat(HardNatOptions hardNat) {
    this.hardNat = java.util.Objects.requireNonNull(hardNat, "hardNat");
    return this;
  }

  public PortMappingOptions portMapping() {
    return portMapping;
  }

  public SessionOptions setPortMapping(PortMappingOptions portMapping) {
    this.portMapping = java.util.Objects.requireNonNull(portMapping, "portMapping");
    return this;
  }

  public MdnsOptions mdns() {
    return mdns;
  }

  public SessionOptions setMdns(MdnsOptions mdns) {
    this.mdns = java.util.Objects.requireNonNull(mdns, "mdns");
    return this;
  }

  public QuicNativeOptions quicNative() {
    return quicNative;
  }

  public SessionOptions setQuicNative(QuicNativeOptions quicNative) {
    this.quicNative = java.util.Objects.requireNonNull(quicNative, "quicNative");
    return this;
  }

  public long restartDeliveryMillis() {
    return restartDeliveryMillis;
  }

  public SessionOptions setRestartDeliveryMillis(long millis) {
    restartDeliveryMillis = StrictConfig.positive("restartDeliveryMillis", millis);
    return this;
  }

  public long restartResendMillis() {
    return restartResendMillis;
  }

  public SessionOptions setRestartResendMillis(long millis) {
    restartResendMillis = StrictConfig.positive("restartResendMillis", millis);
    return this;
  }

  public long reflexiveRefreshMillis() {
    return reflexiveRefreshMillis;
  }

  public SessionOptions setReflexiveRefreshMillis(long millis) {
    reflexiveRefreshMillis = StrictConfig.positive("reflexiveRefreshMillis", millis);
    return this;
  }

  public long relayProbeMillis() {
    return relayProbeMillis;
  }

  public SessionOptions setRelayProbeMillis(long millis) {
    relayProbeMillis = StrictConfig.positive("relayProbeMillis", millis);
    return this;
  }

  public long reallocationMillis() {
    return reallocationMillis;
  }

  public SessionOptions setReallocationMillis(long millis) {
    reallocationMillis = StrictConfig.positive("reallocationMillis", millis);
    return this;
  }

}
