package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Retry tokens bind the client address and the original connection id, and expire. */
class RetryTokensTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final AtomicLong issued = new AtomicLong();
  private final RetryTokens tokens = new RetryTokens(10_000, now::get, () -> true, issued::incrementAndGet);
  private final InetSocketAddress client = new InetSocketAddress("203.0.113.7", 4433);
  private final byte[] dcid = {1, 2, 3, 4, 5, 6, 7, 8};

  private ByteBuf token() {
    ByteBuf out = Unpooled.buffer();
    assertThat(tokens.writeToken(out, Unpooled.wrappedBuffer(dcid), client)).isTrue();
    return out;
  }

  @Test
  void aTokenIsValidForTheSameAddressAndGivesBackTheOriginalConnectionId() {
    ByteBuf t = token();
    assertThat(t.readableBytes()).isEqualTo(24 + dcid.length).isLessThanOrEqualTo(tokens.maxTokenLength());
    int at = tokens.validateToken(t, new InetSocketAddress("203.0.113.7", 5555)); // port may change (NAT)
    assertThat(at).isEqualTo(24);
    byte[] back = new byte[dcid.length];
    t.getBytes(at, back);
    assertThat(back).isEqualTo(dcid);
    assertThat(issued.get()).isEqualTo(1);
  }

  @Test
  void noRetryWhileItIsNotNeeded() {
    RetryTokens idle = new RetryTokens(10_000, now::get, () -> false, issued::incrementAndGet);
    ByteBuf out = Unpooled.buffer();
    assertThat(idle.writeToken(out, Unpooled.wrappedBuffer(dcid), client)).isFalse();
    assertThat(out.readableBytes()).isZero();
    assertThat(issued.get()).isZero();
  }

  @Test
  void anotherAddressATamperedTokenAndAnExpiredOneAreRefused() {
    ByteBuf t = token();
    assertThat(tokens.validateToken(t, new InetSocketAddress("203.0.113.8", 4433))).isEqualTo(-1);
    ByteBuf tampered = t.copy();
    tampered.setByte(tampered.writerIndex() - 1, tampered.getByte(tampered.writerIndex() - 1) ^ 1);
    assertThat(tokens.validateToken(tampered, client)).isEqualTo(-1);
    assertThat(tokens.validateToken(Unpooled.wrappedBuffer(new byte[10]), client)).isEqualTo(-1);
    now.addAndGet(10_001);
    assertThat(tokens.validateToken(t, client)).isEqualTo(-1);
    RetryTokens otherProcess = new RetryTokens(10_000, now::get, () -> true, () -> { });
    assertThat(otherProcess.validateToken(token(), client)).isEqualTo(-1);
  }
}
