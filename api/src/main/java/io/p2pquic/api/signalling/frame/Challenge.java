package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/** {@code challenge}: the first frame of every connection; the client signs {@code nonce} to register. */
public record Challenge(byte[] nonce, int version) implements ServerFrame {

  public Challenge {
    nonce = Objects.requireNonNull(nonce, "nonce").clone();
    if (nonce.length != SignallingProtocol.NONCE_LENGTH) {
      throw new IllegalArgumentException("a challenge nonce has " + SignallingProtocol.NONCE_LENGTH + " bytes");
    }
  }

  @Override
  public byte[] nonce() {
    return nonce.clone();
  }

  @Override
  public String type() {
    return SignallingProtocol.CHALLENGE;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put(SignallingProtocol.F_TYPE, type())
        .put(SignallingProtocol.F_NONCE, Base64.getEncoder().encodeToString(nonce))
        .put("version", version);
  }

  // Records compare arrays by reference: compare the bytes.
  @Override
  public boolean equals(Object o) {
    return o instanceof Challenge c && version == c.version && Arrays.equals(nonce, c.nonce);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(nonce) + version;
  }

  @Override
  public String toString() {
    return "Challenge" + toJson().encode();
  }
}
