package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void burstThenRefillAtRate() {
    AtomicLong now = new AtomicLong(0);
    TokenBucket b = new TokenBucket(10, 3, now::get);
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isFalse();
    now.addAndGet(99_000_000L); // 99 ms: 0.99 tokens
    assertThat(b.tryTake()).isFalse();
    now.addAndGet(2_000_000L); // 101 ms total since empty: 1.01 tokens
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isFalse();
    now.addAndGet(10_000_000_000L); // long idle: capped at burst
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isFalse();
  }
}
