package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;

/** Any datagram: not a notice, a notice that encodes back to the same 20 bytes, or refused (null). */
class StreamFinalSizeNoticeFuzzTest {

  @FuzzTest
  void decodesOrIgnores(byte[] data) {
    if (!StreamFinalSizeNotice.matches(Unpooled.wrappedBuffer(data))) {
      return;
    }
    StreamFinalSizeNotice n = StreamFinalSizeNotice.decode(Unpooled.wrappedBuffer(data));
    if (n != null) {
      assertThat(n.encode().array()).isEqualTo(data);
    }
  }
}
