package io.p2pquic.rendezvous.stun;

import io.p2pquic.stun.ErrorCodeAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMethod;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * Answers a Binding request (RFC 8489 section 12, RFC 5780 section 6). Pure: no sockets, so each rule
 * is tested on its own; {@link StunServer} does the I/O.
 */
final class BindingRequestHandler {
  private static final Set<Integer> UNDERSTOOD_UDP =
      Set.of(StunAttributeType.CHANGE_REQUEST, StunAttributeType.RESPONSE_PORT, StunAttributeType.PADDING);

  private final StunServerConfig config;

  BindingRequestHandler(StunServerConfig config) {
    this.config = config;
  }

  /**
   * @param local the socket that received the request
   * @param other OTHER-ADDRESS for that socket, or null without an alternate address
   * @param udp whether the request came over UDP (CHANGE-REQUEST makes no sense on a connection)
   */
  StunReply handle(
      StunMessage request,
      InetSocketAddress source,
      InetSocketAddress local,
      InetSocketAddress other,
      boolean udp) {
    if (!request.method().equals(StunMethod.BINDING)) {
      return error(request, source, ErrorCodeAttribute.BAD_REQUEST, "Unsupported method " + request.method(), null);
    }
    boolean changeSupported = udp && config.rfc5780();
    List<Integer> unknown = request.unknownComprehensionRequired(changeSupported ? UNDERSTOOD_UDP : Set.of());
    if (!unknown.isEmpty()) {
      return error(request, source, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, "Unknown Attribute", unknown);
    }
    long flags = request.uint32(StunAttributeType.CHANGE_REQUEST).orElse(0L);
    ResponseOrigin origin =
        ResponseOrigin.of((flags & StunAttributes.CHANGE_IP) != 0, (flags & StunAttributes.CHANGE_PORT) != 0);
    StunMessage.Builder b = request.responseBuilder(true)
        .add(StunAttributes.xorMappedAddress(source))
        .add(StunAttributes.software(config.software()));
    // PADDING (RFC 5780 7.6, used by clients to probe fragmentation): answered with as much padding as
    // the request carried, so the response is about the request's size and never an amplifier.
    request.attribute(StunAttributeType.PADDING)
        .filter(p -> changeSupported)
        .ifPresent(p -> b.add(new RawAttribute(StunAttributeType.PADDING, new byte[((RawAttribute) p).value().length])));
    if (other != null) {
      b.add(StunAttributes.responseOrigin(originAddress(local, other, origin)))
          .add(StunAttributes.otherAddress(other));
    }
    // RESPONSE-PORT (RFC 5780 7.5): same client IP, another port; lets a client test filtering on a
    // second socket. Only the port changes, so it cannot aim traffic at a third party's address.
    InetSocketAddress destination = request.uint32(StunAttributeType.RESPONSE_PORT)
        .filter(v -> changeSupported)
        .map(v -> new InetSocketAddress(source.getAddress(), (int) (v >>> 16)))
        .orElse(source);
    return new StunReply(b.fingerprint().build(), origin, destination);
  }

  /** The address a response leaves from: the receiving socket with IP and/or port swapped. */
  static InetSocketAddress originAddress(InetSocketAddress local, InetSocketAddress other, ResponseOrigin o) {
    return new InetSocketAddress(
        o.changesIp() ? other.getAddress() : local.getAddress(),
        o.changesPort() ? other.getPort() : local.getPort());
  }

  private StunReply error(
      StunMessage request, InetSocketAddress source, int code, String reason, List<Integer> unknown) {
    StunMessage.Builder b = request.responseBuilder(false).add(StunAttributes.errorCode(code, reason));
    if (unknown != null) {
      b.add(StunAttributes.unknownAttributes(unknown));
    }
    return new StunReply(
        b.add(StunAttributes.software(config.software())).fingerprint().build(), ResponseOrigin.SAME, source);
  }
}
