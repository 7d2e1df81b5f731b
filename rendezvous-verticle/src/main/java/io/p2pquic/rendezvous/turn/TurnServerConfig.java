package io.p2pquic.rendezvous.turn;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TURN relay ({@code "turn"} object of the rendezvous configuration; docs/turn.md). TURN requests
 * arrive on the STUN listeners; each allocation gets its own UDP relay socket on {@code relayAddress}
 * with a port from {@code portRange}, advertised as {@code externalAddress}.
 *
 * <p>JSON keys (all optional): {@code enabled}, {@code realm}, {@code authSecret} (a string or a list,
 * newest first), {@code relayAddress}, {@code externalAddress}, {@code portRange} ("min-max"),
 * {@code defaultLifetimeSeconds}, {@code maxLifetimeSeconds}, {@code permissionLifetimeSeconds},
 * {@code channelLifetimeSeconds}, {@code nonceLifetimeSeconds}, {@code credentialTtlSeconds},
 * {@code maxAllocations}, {@code maxAllocationsPerUser}, {@code maxAllocationsPerIp} (32: one client
 * address cannot take the port range with many user names), {@code rejectRatePerIp} (20) and
 * {@code rejectRateTotal} (5000): error answers (401 challenges, 438, ...) per second to one client
 * address and to all, so a spoofed source cannot use the relay as a reflector; loopback is exempt,
 * {@code bandwidthBytesPerSecond},
 * {@code allowedPeerRanges}, {@code grant} ({@code "all-registered"} or a list of peer ids; default
 * none: the relay is closed until the operator says whom it serves).
 */
public final class TurnServerConfig extends JsonDataObject {
  private static final String PREFIX = "turn.";
  private static final List<String> KNOWN = List.of("enabled", "realm", "authSecret", "relayAddress", "externalAddress",
      "portRange", "defaultLifetimeSeconds", "maxLifetimeSeconds", "permissionLifetimeSeconds",
      "channelLifetimeSeconds", "nonceLifetimeSeconds", "credentialTtlSeconds", "maxAllocations", "maxAllocationsPerUser",
          "maxAllocationsPerIp",
      "rejectRatePerIp", "rejectRateTotal", "bandwidthBytesPerSecond", "allowedPeerRanges", "rfc5766Channels", "grant", "grantIssuers");

  private boolean enabled = true;
  private String realm = "p2p-quic";
  private List<String> authSecrets = new ArrayList<>();
  private String relayAddress;
  private String externalAddress;
  private int minPort = 49152;
  private int maxPort = 65535;
  private int defaultLifetimeSeconds = 600;
  private int maxLifetimeSeconds = 3600;
  private int permissionLifetimeSeconds = 300;
  private int channelLifetimeSeconds = 600;
  private int nonceLifetimeSeconds = 600;
  private int credentialTtlSeconds = 86400;
  private int maxAllocations = 1000;
  private int maxAllocationsPerUser = 16;
  private int maxAllocationsPerIp = 32;
  private double rejectRatePerIp = 20;
  private double rejectRateTotal = 5000;
  private long bandwidthBytesPerSecond = 2_097_152;
  private List<String> allowedPeerRanges = new ArrayList<>();
  private boolean rfc5766Channels = true;
  /** Closed by default: relay credentials only for peers the operator names, or for all registered peers. */
  private boolean grantAll;
  private List<String> grantPeers = new ArrayList<>();
  private List<io.p2pquic.identity.PeerId> grantIssuers = new ArrayList<>();

  public TurnServerConfig() {}

  public TurnServerConfig(TurnServerConfig o) {
    enabled = o.enabled;
    realm = o.realm;
    authSecrets = new ArrayList<>(o.authSecrets);
    relayAddress = o.relayAddress;
    externalAddress = o.externalAddress;
    minPort = o.minPort;
    maxPort = o.maxPort;
    defaultLifetimeSeconds = o.defaultLifetimeSeconds;
    maxLifetimeSeconds = o.maxLifetimeSeconds;
    permissionLifetimeSeconds = o.permissionLifetimeSeconds;
    channelLifetimeSeconds = o.channelLifetimeSeconds;
    nonceLifetimeSeconds = o.nonceLifetimeSeconds;
    credentialTtlSeconds = o.credentialTtlSeconds;
    maxAllocations = o.maxAllocations;
    maxAllocationsPerUser = o.maxAllocationsPerUser;
    maxAllocationsPerIp = o.maxAllocationsPerIp;
    rejectRatePerIp = o.rejectRatePerIp;
    rejectRateTotal = o.rejectRateTotal;
    bandwidthBytesPerSecond = o.bandwidthBytesPerSecond;
    allowedPeerRanges = new ArrayList<>(o.allowedPeerRanges);
    grantAll = o.grantAll;
    grantPeers = new ArrayList<>(o.grantPeers);
    grantIssuers = new ArrayList<>(o.grantIssuers);
    rfc5766Channels = o.rfc5766Channels;
  }

  /**
   * Reads the {@code "turn"} object (null: all defaults).
   *
   * @throws IllegalArgumentException naming the bad key, e.g. "turn.portRange must be min-max"
   */
  public static TurnServerConfig fromJson(JsonObject json) {
    TurnServerConfig c = new TurnServerConfig();
    if (json == null) {
      return c;
    }
    StrictConfig.read("turn", json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> c.enabled = StrictConfig.bool(v);
        case "realm" -> c.realm = StrictConfig.string(v);
        case "authSecret" -> c.authSecrets = strings(k, v);
        case "relayAddress" -> c.setRelayAddress(StrictConfig.optionalString(v));
        case "externalAddress" -> c.setExternalAddress(StrictConfig.optionalString(v));
        case "portRange" -> c.setPortRange(StrictConfig.string(v));
        case "defaultLifetimeSeconds" -> c.defaultLifetimeSeconds = StrictConfig.intValue(v);
        case "maxLifetimeSeconds" -> c.maxLifetimeSeconds = StrictConfig.intValue(v);
        case "permissionLifetimeSeconds" -> c.permissionLifetimeSeconds = StrictConfig.intValue(v);
        case "channelLifetimeSeconds" -> c.channelLifetimeSeconds = StrictConfig.intValue(v);
        case "nonceLifetimeSeconds" -> c.nonceLifetimeSeconds = StrictConfig.intValue(v);
        case "credentialTtlSeconds" -> c.credentialTtlSeconds = StrictConfig.intValue(v);
        case "maxAllocations" -> c.maxAllocations = StrictConfig.intValue(v);
        case "maxAllocationsPerUser" -> c.maxAllocationsPerUser = StrictConfig.intValue(v);
        case "maxAllocationsPerIp" -> c.maxAllocationsPerIp = StrictConfig.intValue(v);
        case "rejectRatePerIp" -> c.rejectRatePerIp = StrictConfig.doubleValue(v);
        case "rejectRateTotal" -> c.rejectRateTotal = StrictConfig.doubleValue(v);
        case "bandwidthBytesPerSecond" -> c.bandwidthBytesPerSecond = StrictConfig.longValue(v);
        case "allowedPeerRanges" -> c.allowedPeerRanges = strings(k, v);
        case "rfc5766Channels" -> c.rfc5766Channels = StrictConfig.bool(v);
        case "grant" -> {
          if (v instanceof String s && s.equals(GRANT_ALL)) {
            c.setGrantAllRegistered();
          } else if (v instanceof JsonArray) {
            c.setGrantPeers(strings(k, v));
          } else {
            throw new IllegalArgumentException(PREFIX + "grant must be \"" + GRANT_ALL
                + "\" or a list of peer ids, is " + v);
          }
        }
        case "grantIssuers" -> c.setGrantIssuers(strings(k, v));
        default -> throw new IllegalStateException(k);
      }
    });
    return c.validate();
  }

  private static List<String> strings(String key, Object v) {
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      if (!s.isEmpty()) {
        out.add(s);
      }
      return out;
    }
    for (Object o : (JsonArray) v) {
      if (!(o instanceof String s) || s.isEmpty()) {
        throw new IllegalArgumentException(PREFIX + key + " must hold non-empty strings, has " + o);
      }
      out.add(s);
    }
    return out;
  }

  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("enabled", enabled);
    m.put("realm", realm);
    m.put("authSecret", new JsonArray(new ArrayList<>(authSecrets)));
    if (relayAddress != null) {
      m.put("relayAddress", relayAddress);
    }
    if (externalAddress != null) {
      m.put("externalAddress", externalAddress);
    }
    m.put("portRange", minPort + "-" + maxPort);
    m.put("defaultLifetimeSeconds", defaultLifetimeSeconds);
    m.put("maxLifetimeSeconds", maxLifetimeSeconds);
    m.put("permissionLifetimeSeconds", permissionLifetimeSeconds);
    m.put("channelLifetimeSeconds", channelLifetimeSeconds);
    m.put("nonceLifetimeSeconds", nonceLifetimeSeconds);
    m.put("credentialTtlSeconds", credentialTtlSeconds);
    m.put("maxAllocations", maxAllocations);
    m.put("maxAllocationsPerUser", maxAllocationsPerUser);
    m.put("maxAllocationsPerIp", maxAllocationsPerIp);
    m.put("rejectRatePerIp", rejectRatePerIp);
    m.put("rejectRateTotal", rejectRateTotal);
    m.put("bandwidthBytesPerSecond", bandwidthBytesPerSecond);
    m.put("allowedPeerRanges", new JsonArray(new ArrayList<>(allowedPeerRanges)));
    m.put("rfc5766Channels", rfc5766Channels);
    m.put("grant", grantAll ? GRANT_ALL : new JsonArray(grantPeers));
    m.put("grantIssuers", new JsonArray(grantIssuers.stream().map(io.p2pquic.identity.PeerId::value).toList()));
    return new JsonObject(m);
  }

  /** Checks values; throws IllegalArgumentException naming the key. */
  public TurnServerConfig validate() {
    if (realm == null || realm.isEmpty() || realm.length() > 127) {
      throw new IllegalArgumentException(PREFIX + "realm must be 1-127 characters");
    }
    if (minPort < 1 || maxPort > 65535 || minPort > maxPort) {
      throw new IllegalArgumentException(PREFIX + "portRange must be min-max within 1-65535, is " + minPort + "-" + maxPort);
    }
    StrictConfig.positive(PREFIX + "defaultLifetimeSeconds", defaultLifetimeSeconds);
    StrictConfig.positive(PREFIX + "maxLifetimeSeconds", maxLifetimeSeconds);
    StrictConfig.positive(PREFIX + "permissionLifetimeSeconds", permissionLifetimeSeconds);
    StrictConfig.positive(PREFIX + "channelLifetimeSeconds", channelLifetimeSeconds);
    StrictConfig.positive(PREFIX + "nonceLifetimeSeconds", nonceLifetimeSeconds);
    StrictConfig.positive(PREFIX + "credentialTtlSeconds", credentialTtlSeconds);
    if (maxLifetimeSeconds < defaultLifetimeSeconds) {
      throw new IllegalArgumentException(PREFIX + "maxLifetimeSeconds (" + maxLifetimeSeconds
          + ") must be >= defaultLifetimeSeconds (" + defaultLifetimeSeconds + ")");
    }
    if (maxAllocationsPerIp < 0) {
      throw new IllegalArgumentException(PREFIX + "maxAllocationsPerIp must be >= 0 (0 = no limit), is " + maxAllocationsPerIp);
    }
    if (!(rejectRatePerIp > 0) || !(rejectRateTotal > 0)) {
      throw new IllegalArgumentException(PREFIX + "rejectRatePerIp and rejectRateTotal must be > 0 (answers/s), are "
          + rejectRatePerIp + " and " + rejectRateTotal);
    }
    if (maxAllocations < 0 || maxAllocationsPerUser < 0 || bandwidthBytesPerSecond < 0) {
      throw new IllegalArgumentException(PREFIX + "maxAllocations, maxAllocationsPerUser and "
          + "bandwidthBytesPerSecond must be >= 0 (0: unlimited)");
    }
    for (String r : allowedPeerRanges) {
      try {
        Cidr.parse(r);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(PREFIX + "allowedPeerRanges: " + e.getMessage());
      }
    }
    return this;
  }


  public boolean enabled() {
    return enabled;
  }

  public TurnServerConfig setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public String realm() {
    return realm;
  }

  public TurnServerConfig setRealm(String realm) {
    this.realm = realm;
    return this;
  }

  /** The shared secrets, newest (used to issue credentials and nonces) first; may be empty. */
  public List<String> authSecrets() {
    return List.copyOf(authSecrets);
  }

  public TurnServerConfig setAuthSecrets(List<String> secrets) {
    this.authSecrets = new ArrayList<>(secrets);
    return this;
  }

  /** The address relay sockets bind to; null: the rendezvous {@code bind}. */
  public String relayAddress() {
    return relayAddress;
  }

  public TurnServerConfig setRelayAddress(String relayAddress) {
    this.relayAddress = relayAddress == null || relayAddress.isBlank() ? null : relayAddress;
    return this;
  }

  /** The address put in XOR-RELAYED-ADDRESS and the issued URIs (e.g. the public IP before a 1:1 NAT). */
  public String externalAddress() {
    return externalAddress;
  }

  public TurnServerConfig setExternalAddress(String externalAddress) {
    this.externalAddress = externalAddress == null || externalAddress.isBlank() ? null : externalAddress;
    return this;
  }

  public TurnServerConfig setPortRange(String range) {
    String[] parts = range.trim().split("-");
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      minPort = Integer.parseInt(parts[0].trim());
      maxPort = Integer.parseInt(parts[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PREFIX + "portRange must be \"min-max\", e.g. \"49152-65535\", is " + range);
    }
    return this;
  }

  public int minPort() {
    return minPort;
  }

  public int maxPort() {
    return maxPort;
  }

  public int defaultLifetimeSeconds() {
    return defaultLifetimeSeconds;
  }

  public TurnServerConfig setDefaultLifetimeSeconds(int s) {
    this.defaultLifetimeSeconds = s;
    return this;
  }

  public int maxLifetimeSeconds() {
    return maxLifetimeSeconds;
  }

  public TurnServerConfig setMaxLifetimeSeconds(int s) {
    this.maxLifetimeSeconds = s;
    return this;
  }

  public int permissionLifetimeSeconds() {
    return permissionLifetimeSeconds;
  }

  public TurnServerConfig setPermissionLifetimeSeconds(int s) {
    this.permissionLifetimeSeconds = s;
    return this;
  }

  public int channelLifetimeSeconds() {
    return channelLifetimeSeconds;
  }

  public TurnServerConfig setChannelLifetimeSeconds(int s) {
    this.channelLifetimeSeconds = s;
    return this;
  }

  public int nonceLifetimeSeconds() {
    return nonceLifetimeSeconds;
  }

  public TurnServerConfig setNonceLifetimeSeconds(int s) {
    this.nonceLifetimeSeconds = s;
    return this;
  }

  /** Lifetime of credentials the rendezvous issues to registered peers. */
  public int credentialTtlSeconds() {
    return credentialTtlSeconds;
  }

  public TurnServerConfig setCredentialTtlSeconds(int s) {
    this.credentialTtlSeconds = s;
    return this;
  }

  /** Allocations on this node; 0: unlimited. */
  public int maxAllocations() {
    return maxAllocations;
  }

  public TurnServerConfig setMaxAllocations(int n) {
    this.maxAllocations = n;
    return this;
  }

  /** Allocations per user (the username after its expiry); 0: unlimited. */
  /** Allocations one client IP address may hold at once; 0 = no limit. */
  public int maxAllocationsPerIp() {
    return maxAllocationsPerIp;
  }

  public TurnServerConfig setMaxAllocationsPerIp(int n) {
    this.maxAllocationsPerIp = n;
    return this;
  }

  /** Error answers per second to one client address (burst twice that); loopback is exempt. */
  public double rejectRatePerIp() {
    return rejectRatePerIp;
  }

  /** Error answers per second to all client addresses together. */
  public double rejectRateTotal() {
    return rejectRateTotal;
  }

  public TurnServerConfig setRejectRates(double perIp, double total) {
    this.rejectRatePerIp = perIp;
    this.rejectRateTotal = total;
    return this;
  }

  public int maxAllocationsPerUser() {
    return maxAllocationsPerUser;
  }

  public TurnServerConfig setMaxAllocationsPerUser(int n) {
    this.maxAllocationsPerUser = n;
    return this;
  }

  /** Relayed bytes per second per allocation, both directions together; 0: unlimited. */
  public long bandwidthBytesPerSecond() {
    return bandwidthBytesPerSecond;
  }

  public TurnServerConfig setBandwidthBytesPerSecond(long b) {
    this.bandwidthBytesPerSecond = b;
    return this;
  }

  /** The value of {@code turn.grant} that gives relay credentials to every registered peer. */
  public static final String GRANT_ALL = "all-registered";

  /** Whether a peer registering as {@code peerId} gets relay credentials ({@code turn.grant}). */
  public boolean grants(String peerId) {
    return grantAll || grantPeers.contains(peerId);
  }

  /**
   * Peer ids of the keys whose relay grant tokens ({@code RelayGrantToken}, minted with
   * {@code p2p-node relay-token}) admit a peer that {@code turn.grant} does not list.
   */
  public List<io.p2pquic.identity.PeerId> grantIssuers() {
    return List.copyOf(grantIssuers);
  }

  public TurnServerConfig setGrantIssuers(List<String> issuerIds) {
    List<io.p2pquic.identity.PeerId> ids = new ArrayList<>();
    for (String id : issuerIds) {
      io.p2pquic.identity.PeerId p = io.p2pquic.identity.PeerId.tryParse(id);
      if (p == null) {
        throw new IllegalArgumentException(PREFIX + "grantIssuers lists \"" + id + "\", which is not a peer id (pq1...)");
      }
      ids.add(p);
    }
    this.grantIssuers = ids;
    return this;
  }

  public boolean grantsAll() {
    return grantAll;
  }

  public List<String> grantPeers() {
    return List.copyOf(grantPeers);
  }

  /** Every registered peer gets relay credentials: an open relay for anyone who can make a key pair. */
  public TurnServerConfig setGrantAllRegistered() {
    this.grantAll = true;
    this.grantPeers = new ArrayList<>();
    return this;
  }

  /** Only these peers get relay credentials (the default: none). */
  public TurnServerConfig setGrantPeers(List<String> peerIds) {
    for (String id : peerIds) {
      if (io.p2pquic.identity.PeerId.tryParse(id) == null) {
        throw new IllegalArgumentException(PREFIX + "grant lists \"" + id + "\", which is not a peer id (pq1...)");
      }
    }
    this.grantAll = false;
    this.grantPeers = new ArrayList<>(peerIds);
    return this;
  }

  public List<String> allowedPeerRanges() {
    return List.copyOf(allowedPeerRanges);
  }

  public TurnServerConfig setAllowedPeerRanges(List<String> ranges) {
    this.allowedPeerRanges = new ArrayList<>(ranges);
    return this;
  }

  /**
   * Whether ChannelBind and ChannelData accept RFC 5766's channel range 0x4000-0x7FFF (true, as coturn
   * does) or only RFC 8656's 0x4000-0x4FFF: libwebrtc, pion and coturn's uclient bind numbers above
   * 0x4FFF and would get 400 otherwise.
   */
  public boolean rfc5766Channels() {
    return rfc5766Channels;
  }

  public TurnServerConfig setRfc5766Channels(boolean accept) {
    this.rfc5766Channels = accept;
    return this;
  }
}
