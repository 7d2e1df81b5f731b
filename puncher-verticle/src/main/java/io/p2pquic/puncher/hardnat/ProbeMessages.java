package io.p2pquic.puncher.hardnat;

import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The packets of hard-NAT punching: Binding requests and responses authenticated with the session's ICE
 * credentials exactly as ICE checks are (RFC 8445 7.2.2: USERNAME {@code remote:local}, MESSAGE-INTEGRITY
 * with the receiver's password, FINGERPRINT), so nobody without the session's offer and answer can open or
 * steer a path. They carry no PRIORITY, which is how the session socket tells them from ICE's own checks
 * (an ICE agent must refuse a check without one).
 */
final class ProbeMessages {
  private final IceCredentials local;
  private final IceCredentials remote;
  private final byte[] localKey;
  private final byte[] remoteKey;

  ProbeMessages(IceCredentials local, IceCredentials remote) {
    this.local = local;
    this.remote = remote;
    this.localKey = StunCredentials.shortTermKey(local.pwd());
    this.remoteKey = StunCredentials.shortTermKey(remote.pwd());
  }

  /** A probe for the peer: signed with its password, named with both ufrags. */
  StunMessage request() {
    return StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(StunAttributes.username(remote.ufrag() + ":" + local.ufrag()))
        .messageIntegrity(remoteKey)
        .fingerprint()
        .build();
  }

  /** Whether {@code m} is the peer's probe for us: a Binding request without PRIORITY, our USERNAME, our key. */
  boolean isPeerProbe(StunMessage m) {
    if (!m.type().equals(StunMessageType.BINDING_REQUEST) || m.has(StunAttributeType.PRIORITY)) {
      return false;
    }
    Optional<String> user = m.string(StunAttributeType.USERNAME);
    return user.isPresent() && user.get().equals(local.ufrag() + ":" + remote.ufrag()) && m.hasMessageIntegrity()
        && m.verifyMessageIntegrity(localKey);
  }

  /** The answer to the peer's probe from {@code source}: its public address, signed with our key. */
  StunMessage success(StunMessage probe, InetSocketAddress source) {
    return probe.responseBuilder(true).add(StunAttributes.xorMappedAddress(source)).messageIntegrity(localKey)
        .fingerprint().build();
  }

  /** Whether {@code m} is the peer's answer to one of our probes (the transaction is the caller's to check). */
  boolean isPeerAnswer(StunMessage m) {
    return m.type().equals(StunMessageType.BINDING_SUCCESS) && m.hasMessageIntegrity()
        && m.verifyMessageIntegrity(remoteKey);
  }
}
