package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.mdns.MdnsResponder;
import io.p2pquic.puncher.portmap.PortMapper;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.p2pquic.puncher.transport.DatagramChannels;
import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * What every punching session of one peer needs, whatever its method: the Vert.x instance, the
 * signalling client (and through it this peer's identity), metrics, the timeline and the name it is
 * marked under, the session timing options, how long a QUIC (or TLS) handshake may take, what makes the
 * sessions' UDP channels (real sockets of Vert.x's transport but in tests), the peer's port-mapping client
 * (null when port mapping is off) and its mDNS responder (null unless {@code session.mdns.enabled}).
 */
public record SessionContext(Vertx vertx, SignallingClient signalling, PeerId localPeer, MeterRegistry metrics,
    Timeline timeline, String actor, SessionOptions options, long quicTimeoutMs, DatagramChannels datagramChannels,
    PortMapper portMapper, MdnsResponder mdnsResponder) {

  /** Sessions on real UDP sockets of Vert.x's transport ({@link DatagramChannels#of}). */
  public SessionContext(Vertx vertx, SignallingClient signalling, PeerId localPeer, MeterRegistry metrics,
      Timeline timeline, String actor, SessionOptions options, long quicTimeoutMs) {
    this(vertx, signalling, localPeer, metrics, timeline, actor, options, quicTimeoutMs, DatagramChannels.of(vertx), null, null);
  }

  public SessionContext {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(signalling, "signalling");
    Objects.requireNonNull(localPeer, "localPeer");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(datagramChannels, "datagramChannels");
  }

  /** A timeline entry under this peer's name. */
  public void mark(String event, String detail) {
    timeline.mark(actor, event, detail);
  }
}
