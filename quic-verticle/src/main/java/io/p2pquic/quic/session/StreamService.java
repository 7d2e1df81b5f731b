package io.p2pquic.quic.session;

import io.p2pquic.quic.QuicPeerStream;
import io.vertx.core.buffer.Buffer;

/**
 * Serves the incoming streams of one {@link StreamKind} ({@link QuicVerticle#streamService}): a TCP
 * target for {@code expose}, stdin/stdout for {@code pipe --listen}, echo.
 */
@FunctionalInterface
public interface StreamService {
  /**
   * @param stream the stream, paused: call {@code resume()} (or pipe it) when ready to read
   * @param early bytes that arrived after the preamble in the same read (deliver them first), maybe empty
   */
  void serve(PeerSession session, QuicPeerStream stream, StreamPreamble preamble, Buffer early);
}
