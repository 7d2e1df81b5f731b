package io.p2pquic.puncher.nat;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * Options for {@link NatBehaviorDiscovery} and {@link NatCheck}.
 *
 * <p>JSON keys (all optional): {@code localAddress} (IP literal to send from; default: the address
 * the kernel routes toward the server, which is what makes "no NAT" detectable), {@code retransmit}
 * ({@link RetransmitPolicy#toJson()}; default {@link RetransmitPolicy#DISCOVERY}: a silent filtering
 * probe costs 1.65 s).
 */
public final class NatCheckOptions extends JsonDataObject {
  /** Null: send from the address the kernel routes toward the server. */
  public static final String DEFAULT_LOCAL_ADDRESS = null;
  public static final RetransmitPolicy DEFAULT_RETRANSMIT = RetransmitPolicy.DISCOVERY;
  private static final List<String> KNOWN = List.of("localAddress", "retransmit");

  private String localAddress = DEFAULT_LOCAL_ADDRESS;
  private RetransmitPolicy retransmit = DEFAULT_RETRANSMIT;

  public NatCheckOptions() {}

  public NatCheckOptions(NatCheckOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws io.p2pquic.api.config.ConfigKeyException naming the bad key */
  public NatCheckOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "localAddress" -> setLocalAddress(StrictConfig.optionalString(v));
        case "retransmit" -> retransmit = v == null ? DEFAULT_RETRANSMIT
            : RetransmitPolicy.fromJson(StrictConfig.object(v), DEFAULT_RETRANSMIT);
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    if (localAddress != null) {
      j.put("localAddress", localAddress);
    }
    return j.put("retransmit", retransmit.toJson());
  }

  public String localAddress() {
    return localAddress;
  }

  /** IP literal to bind the probe socket to; null: route toward the server. */
  public NatCheckOptions setLocalAddress(String localAddress) {
    if (localAddress != null && !SocketAddresses.isIpLiteral(localAddress)) {
      throw new IllegalArgumentException("localAddress must be an IP address literal: " + localAddress);
    }
    this.localAddress = localAddress;
    return this;
  }

  public RetransmitPolicy retransmit() {
    return retransmit;
  }

  public NatCheckOptions setRetransmit(RetransmitPolicy retransmit) {
    this.retransmit = Objects.requireNonNull(retransmit);
    return this;
  }
}
