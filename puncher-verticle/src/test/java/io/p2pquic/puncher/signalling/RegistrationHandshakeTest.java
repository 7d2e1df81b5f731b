package io.p2pquic.puncher.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.frame.Challenge;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.RegisterRequest;
import io.p2pquic.api.signalling.frame.RegisteredReply;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The checks both registrations (WebSocket, quic-native attachment) share. */
class RegistrationHandshakeTest {
  private static final PeerIdentity ME = PeerIdentity.generate();

  private static RegisteredReply registered(PeerId id, String observed) {
    return new RegisteredReply("r", id, false, observed, "s", "n", null, null, null);
  }

  @Test
  void answersTheChallengeWithASignatureOfItsNonce() {
    byte[] nonce = new byte[SignallingProtocol.NONCE_LENGTH];
    nonce[0] = 7;
    RegisterRequest r = new RegistrationHandshake(ME, "attach", true, null).answer(new Challenge(nonce, 1));
    assertThat(r.id()).isEqualTo("attach");
    assertThat(r.attach()).isTrue();
    assertThat(r.peerId()).isEqualTo(ME.peerId());
    assertThat(PeerIdentity.verify(r.publicKey(), SignallingProtocol.registrationPayload(nonce), r.signature())).isTrue();
  }

  @Test
  void acceptsItsOwnIdWithAUsableObservedAddress() {
    assertThat(new RegistrationHandshake(ME, "r", false, null).accept(registered(ME.peerId(), "[2001:db8::1]:4000")))
        .isEqualTo(new InetSocketAddress("2001:db8::1", 4000));
  }

  @Test
  void refusesAnotherIdOrNoUsableAddress() {
    RegistrationHandshake h = new RegistrationHandshake(ME, "r", false, null);
    assertThatThrownBy(() -> h.accept(registered(PeerIdentity.generate().peerId(), "1.2.3.4:5")))
        .isInstanceOfSatisfying(SignallingException.class, e -> assertThat(e.is(ErrorCode.ID_MISMATCH)).isTrue());
    assertThatThrownBy(() -> h.accept(registered(ME.peerId(), null)))
        .isInstanceOfSatisfying(SignallingException.class, e -> assertThat(e.is(ErrorCode.MALFORMED)).isTrue())
        .hasMessageContaining("no usable observed address");
    assertThatThrownBy(() -> h.accept(registered(ME.peerId(), "nowhere")))
        .hasMessageContaining("no usable observed address: nowhere");
  }

  @Test
  void anErrorForTheRegisterOrForNoRequestEndsIt() {
    RegistrationHandshake h = new RegistrationHandshake(ME, "register", false, null);
    assertThat(h.refusedBy(new ErrorReply("register", ErrorCode.BAD_SIGNATURE, "x"))).isTrue();
    assertThat(h.refusedBy(new ErrorReply(null, ErrorCode.REGISTRATION_TIMEOUT, "x"))).isTrue();
    assertThat(h.refusedBy(new ErrorReply("c1", ErrorCode.UNKNOWN_TARGET, "x"))).isFalse();
    SignallingException e = h.refusal(new ErrorReply("register", ErrorCode.ID_MISMATCH, "not yours"));
    assertThat(e.code()).isEqualTo("id-mismatch");
    assertThat(e.requestId()).isEqualTo("register");
  }
}
