package io.p2pquic.puncher.ice.agent;

import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/** The STUN messages of ICE checks (RFC 8445 7.2.2, 7.3.1) and keepalives (section 11). */
final class CheckMessages {
  /** Comprehension-required attributes a check may carry; others get 420 (RFC 8489 6.3.1). */
  static final Set<Integer> UNDERSTOOD = Set.of(
      StunAttributeType.USERNAME,
      StunAttributeType.PRIORITY,
      StunAttributeType.USE_CANDIDATE,
      StunAttributeType.ICE_CONTROLLED,
      StunAttributeType.ICE_CONTROLLING,
      StunAttributeType.SOFTWARE,
      StunAttributeType.FINGERPRINT);

  private CheckMessages() {}

  /**
   * A check: USERNAME {@code remoteUfrag:localUfrag}, PRIORITY of a would-be peer-reflexive candidate,
   * ICE-CONTROLLING or ICE-CONTROLLED with the tie-breaker, USE-CANDIDATE when nominating,
   * MESSAGE-INTEGRITY with the remote password's key, FINGERPRINT.
   */
  static StunMessage request(String remoteUfrag, String localUfrag, byte[] remoteKey, long prflxPriority,
      IceRole role, long tieBreaker, boolean useCandidate) {
    StunMessage.Builder b = StunMessage.builder(StunMessageType.BINDING_REQUEST)
        .add(StunAttributes.username(remoteUfrag + ":" + localUfrag))
        .add(StunAttributes.priority(prflxPriority))
        .add(role == IceRole.CONTROLLING
            ? StunAttributes.iceControlling(tieBreaker)
            : StunAttributes.iceControlled(tieBreaker));
    if (useCandidate) {
      b.add(StunAttributes.useCandidate());
    }
    return b.messageIntegrity(remoteKey).fingerprint().build();
  }

  /** Success: XOR-MAPPED-ADDRESS of the request's source, integrity with the local password's key. */
  static StunMessage success(StunMessage request, InetSocketAddress source, byte[] localKey) {
    return request.responseBuilder(true)
        .add(StunAttributes.xorMappedAddress(source))
        .messageIntegrity(localKey)
        .fingerprint()
        .build();
  }

  /** An error response; signed only when the request was authenticated ({@code localKey} not null). */
  static StunMessage error(StunMessage request, int code, String reason, byte[] localKey) {
    StunMessage.Builder b = request.responseBuilder(false).add(StunAttributes.errorCode(code, reason));
    if (localKey != null) {
      b.messageIntegrity(localKey);
    }
    return b.fingerprint().build();
  }

  /** 420 with UNKNOWN-ATTRIBUTES. */
  static StunMessage unknownAttributes(StunMessage request, List<Integer> unknown, byte[] localKey) {
    return request.responseBuilder(false)
        .add(StunAttributes.errorCode(ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, "Unknown Attribute"))
        .add(StunAttributes.unknownAttributes(unknown))
        .messageIntegrity(localKey)
        .fingerprint()
        .build();
  }

  /** A keepalive: a Binding indication with FINGERPRINT and nothing else (RFC 8445 11). */
  static StunMessage keepalive() {
    return StunMessage.builder(StunMessageType.BINDING_INDICATION).fingerprint().build();
  }
}
