package io.p2pquic.puncher.signalling;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.RegisterRequest;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.identity.PeerIdentity;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The peer's side of registering with the rendezvous (challenge, register, registered; docs/signalling.md),
 * shared by the main registration ({@link SignallingClient}, WebSocket) and the per-session attachment of
 * method quic-native (RendezvousAttachment, QUIC), so both answer and check the same way.
 *
 * <p>What it checks is the stricter of what the two checked before: the challenge has a 32-byte nonce (the
 * decoder refuses others), the rendezvous registered this peer's id and told a usable observed address, and
 * an error that answers the register or names no request (registration timeout, too large) ends the
 * handshake. Not thread-safe; one per connection attempt.
 */
public final class RegistrationHandshake {
  private final PeerIdentity me;
  private final String requestId;
  private final boolean attach;
  private final String grantToken;

  /**
   * @param requestId the id of the register message, which the rendezvous echoes in its reply
   * @param attach register as a per-session attachment (leaves the main registration in place)
   * @param grantToken relay grant token to present, or null
   */
  public RegistrationHandshake(PeerIdentity me, String requestId, boolean attach, String grantToken) {
    this.me = Objects.requireNonNull(me, "me");
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.attach = attach;
    this.grantToken = grantToken;
  }

  /** The register message answering {@code challenge}: this peer's key signs the challenge's nonce. */
  public RegisterRequest answer(Challenge challenge) {
    return RegisterRequest.signed(me, requestId, challenge.nonce(), attach, grantToken);
  }

  /**
   * Checks the rendezvous's {@code registered} reply.
   *
   * @return the address the rendezvous saw this connection come from
   * @throws SignallingException {@code id-mismatch} if it registered another peer id, {@code malformed} if
   *     it told no usable observed address
   */
  public InetSocketAddress accept(RegisteredReply reply) {
    if (!me.peerId().equals(reply.peerId())) {
      throw new SignallingException(ErrorCode.ID_MISMATCH, "server registered " + reply.peerId() + " instead of "
          + me.peerId(), null);
    }
    try {
      return SocketAddresses.parseHostPort(String.valueOf(reply.observedAddress()));
    } catch (RuntimeException e) {
      throw new SignallingException(ErrorCode.MALFORMED, "the rendezvous told no usable observed address: "
          + reply.observedAddress(), null);
    }
  }

  /** Whether {@code error} ends the handshake: it answers the register, or it names no request at all. */
  public boolean refusedBy(ErrorReply error) {
    return error.id() == null || requestId.equals(error.idText());
  }

  /** The failure an error that {@linkplain #refusedBy ends the handshake} stands for. */
  public SignallingException refusal(ErrorReply error) {
    return new SignallingException(error.code(), error.message(), error.idText());
  }
}
