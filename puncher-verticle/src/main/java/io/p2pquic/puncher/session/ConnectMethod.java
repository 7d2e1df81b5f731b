package io.p2pquic.puncher.session;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a session looks for a path (the {@code method} of {@code p2p.peer.connect}, carried in the offer).
 */
public enum ConnectMethod {
  /**
   * The default: every candidate, relayed ones included when a TURN server is known. QUIC starts on the
   * first valid pair (often the relay) and the path layer moves it to each better pair as checks
   * validate them; a relayed pair is nominated only when no direct pair can win, and the session falls
   * back to the relay when the direct path goes silent.
   */
  AUTO("auto"),
  /** Method 1 of draft-seemann-quic-nat-traversal: ICE on direct candidates only, then QUIC; no relay. */
  ICE("ice"),
  /** The dialer offers only relayed candidates (its addresses stay private); needs a TURN server. */
  RELAY("relay"),
  /**
   * libp2p DCUtR (docs/dcutr.md): both sides offer only relayed candidates through the rendezvous, QUIC
   * comes up on the relay, then CONNECT/SYNC over the relayed QUIC connection carry the observed
   * addresses and the timing of a simultaneous punch; the path layer moves QUIC to the direct pair.
   */
  DCUTR("dcutr"),
  /**
   * TCP simultaneous open (RFC 793 section 3.4, docs/tcp.md): each side learns its TCP mapping from the
   * STUN server over TCP from one reused port, both connect at a moment timed from the signalling round
   * trip, then TLS 1.3 with both peer ids pinned; a single byte stream. Needs endpoint-independent
   * mapping on both NATs; no relay fallback.
   */
  TCP("tcp"),
  /**
   * Method 2 of draft-seemann-quic-nat-traversal: the session socket signals over QUIC to the
   * rendezvous (which shows it its server-reflexive address), then QUIC Initials are the checks
   * ({@link io.p2pquic.puncher.quicnative.QuicNativeSession}); no relay.
   */
  QUIC_NATIVE("quic-native");

  private final String label;

  ConnectMethod(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** @throws IllegalArgumentException naming the supported methods */
  public static ConnectMethod parse(String s) {
    for (ConnectMethod m : values()) {
      if (m.label.equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("method " + s + " is not available; supported: "
        + Arrays.stream(values()).map(ConnectMethod::label).collect(Collectors.joining(", ")));
  }
}
