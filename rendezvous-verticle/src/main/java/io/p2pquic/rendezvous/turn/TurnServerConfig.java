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

  public static final boolean DEFAULT_ENABLED = true;
  public static final String DEFAULT_REALM = "p2p-quic";
  /** No shared secret: no relay credentials are issued or accepted. */
  public static final List<String> DEFAULT_AUTH_SECRETS = List.of();
  /** Null: relay sockets bind to the rendezvous {@code bind}. */
  public static final String DEFAULT_RELAY_ADDRESS = null;
  /** Null: the relay address is advertised as it is. */
  public static final String DEFAULT_EXTERNAL_ADDRESS = null;
  public static final int DEFAULT_MIN_PORT = 49152;
  public static final int DEFAULT_MAX_PORT = 65535;
  public static final int DEFAULT_DEFAULT_LIFETIME_SECONDS = 600;
  public static final int DEFAULT_MAX_LIFETIME_SECONDS = 3600;
  public static final int DEFAULT_PERMISSION_LIFETIME_SECONDS = 300;
  public static final int DEFAULT_CHANNEL_LIFETIME_SECONDS = 600;
  public static final int DEFAULT_NONCE_LIFETIME_SECONDS = 600;
  public static final int DEFAULT_CREDENTIAL_TTL_SECONDS = 86400;
  public static final int DEFAULT_MAX_ALLOCATIONS = 1000;
  public static final int DEFAULT_MAX_ALLOCATIONS_PER_USER = 16;
  public static final int DEFAULT_MAX_ALLOCATIONS_PER_IP = 32;
  public static final double DEFAULT_REJECT_RATE_PER_IP = 20;
  public static final double DEFAULT_REJECT_RATE_TOTAL = 5000;
  public static final long DEFAULT_BANDWIDTH_BYTES_PER_SECOND = 2_097_152;
  /** Empty: no extra restriction on peer addresses. */
  public static final List<String> DEFAULT_ALLOWED_PEER_RANGES = List.of();
  public static final boolean DEFAULT_RFC5766_CHANNELS = true;
  /** Closed by default: relay credentials only for peers the operator names, or for all registered peers. */
  public static final boolean DEFAULT_GRANT_ALL = false;
  public static final List<String> DEFAULT_GRANT_PEERS = List.of();
  /** Empty: no relay grant token admits a peer. */
  public static final List<io.p2pquic.identity.PeerId> DEFAULT_GRANT_ISSUERS = List.of();

  private boolean enabled = DEFAULT_ENABLED;
  private String realm = DEFAULT_REALM;
  private List<String> authSecrets = new ArrayList<>(DEFAULT_AUTH_SECRETS);
  private String relayAddress = DEFAULT_RELAY_ADDRESS;
  private String externalAddress = DEFAULT_EXTERNAL_ADDRESS;
  private int minPort = DEFAULT_MIN_PORT;
  private int maxPort = DEFAULT_MAX_PORT;
  private int defaultLifetimeSeconds = DEFAULT_DEFAULT_LIFETIME_SECONDS;
  private int maxLifetimeSeconds = DEFAULT_MAX_LIFETIME_SECONDS;
  private int permissionLifetimeSeconds = DEFAULT_PERMISSION_LIFETIME_SECONDS;
  private int channelLifetimeSeconds = DEFAULT_CHANNEL_LIFETIME_SECONDS;
  private int nonceLifetimeSeconds = DEFAULT_NONCE_LIFETIME_SECONDS;
  private int credentialTtlSeconds = DEFAULT_CREDENTIAL_TTL_SECONDS;
  private int maxAllocations = DEFAULT_MAX_ALLOCATIONS;
  private int maxAllocationsPerUser = DEFAULT_MAX_ALLOCATIONS_PER_USER;
  private int maxAllocationsPerIp = DEFAULT_MAX_ALLOCATIONS_PER_IP;
  private double rejectRatePerIp = DEFAULT_REJECT_RATE_PER_IP;
  private double rejectRateTotal = DEFAULT_REJECT_RATE_TOTAL;
  private long bandwidthBytesPerSecond = DEFAULT_BANDWIDTH_BYTES_PER_SECOND;
  private List<String> allowedPeerRanges = new ArrayList<>(DEFAULT_ALLOWED_PEER_RANGES);
  private boolean rfc5766Channels = DEFAULT_RFC5766_CHANNELS;
  private boolean grantAll = DEFAULT_GRANT_ALL;
  private List<String> grantPeers = new ArrayList<>(DEFAULT_GRANT_PEERS);
  private List<io.p2pquic.identity.PeerId> grantIssuers = new ArrayList<>(DEFAULT_GRANT_ISSUERS);

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
  public TurnServerConfig(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read("turn", json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> enabled = StrictConfig.bool(v);
        case "realm" -> realm = StrictConfig.string(v);
        case "authSecret" -> authSecrets = strings(k, v);
        case "relayAddress" -> setRelayAddress(StrictConfig.optionalString(v));
        case "externalAddress" -> setExternalAddress(StrictConfig.optionalString(v));
        case "portRange" -> setPortRange(StrictConfig.string(v));
        case "defaultLifetimeSeconds" -> defaultLifetimeSeconds = StrictConfig.intValue(v);
        case "maxLifetimeSeconds" -> maxLifetimeSeconds = StrictConfig.intValue(v);
        case "permissionLifetimeSeconds" -> permissionLifetimeSeconds = StrictConfig.intValue(v);
        case "channelLifetimeSeconds" -> channelLifetimeSeconds = StrictConfig.intValue(v);
        case "nonceLifetimeSeconds" -> nonceLifetimeSeconds = StrictConfig.intValue(v);
        case "credentialTtlSeconds" -> credentialTtlSeconds = StrictConfig.intValue(v);
        case "maxAllocations" -> maxAllocations = StrictConfig.intValue(v);
        case "maxAllocationsPerUser" -> maxAllocationsPerUser = StrictConfig.intValue(v);
        case "maxAllocationsPerIp" -> maxAllocationsPerIp = StrictConfig.intValue(v);
        case "rejectRatePerIp" -> rejectRatePerIp = StrictConfig.doubleValue(v);
        case "rejectRateTotal" -> rejectRateTotal = StrictConfig.doubleValue(v);
        case "bandwidthBytesPerSecond" -> bandwidthBytesPerSecond = StrictConfig.longValue(v);
        case "allowedPeerRanges" -> allowedPeerRanges = strings(k, v);
        case "rfc5766Channels" -> rfc5766Channels = StrictConfig.bool(v);
        case "grant" -> {
          if (v instanceof String s && s.equals(GRANT_ALL)) {
            setGrantAllRegistered();
          } else if (v instanceof JsonArray) {
            setGrantPeers(strings(k, v));
          } else {
            throw new IllegalArgumentException(PREFIX + "grant must be \"" + GRANT_ALL
                + "\" or a list of peer ids, is " + v);
          }
        }
        case "grantIssuers" -> setGrantIssuers(strings(k, v));
        default -> throw new IllegalStateException(k);
      }
    });
    validate();
  }

  /** Same as {@link #TurnServerConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static TurnServerConfig fromJson(JsonObject json) {
    return new TurnServerConfig(json);
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
