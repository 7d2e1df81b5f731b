package io.p2pquic.quic.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;

/**
 * The first bytes of a peer's stream: a preamble within them, "read more", or a MalformedPreambleException;
 * a decoded preamble encodes to the bytes it was decoded from.
 */
class StreamPreambleFuzzTest {

  @FuzzTest
  void decodesWaitsOrRefuses(byte[] data) {
    StreamPreamble.Decoded d;
    try {
      d = StreamPreamble.decode(Buffer.buffer(data));
    } catch (StreamPreamble.MalformedPreambleException refused) {
      return;
    }
    if (d == null) {
      assertThat(data.length).isLessThan(StreamPreamble.MAX_LENGTH);
      return;
    }
    assertThat(d.length()).isBetween(1, data.length);
    assertThat(d.preamble().encode()).isEqualTo(Buffer.buffer(data).getBuffer(0, d.length()));
  }
}
