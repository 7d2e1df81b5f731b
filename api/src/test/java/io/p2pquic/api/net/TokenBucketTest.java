package io.p2pquic.api.net;

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

  @Test
  void saysHowLongUntilTheNextToken() {
    AtomicLong now = new AtomicLong(0);
    TokenBucket b = new TokenBucket(20, 2, now::get);
    assertThat(b.nanosUntilToken()).isZero();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.tryTake()).isTrue();
    assertThat(b.nanosUntilToken()).isEqualTo(50_000_000L); // 1 / 20 s
    now.addAndGet(20_000_000L);
    assertThat(b.nanosUntilToken()).isEqualTo(30_000_000L);
    now.addAndGet(30_000_000L);
    assertThat(b.nanosUntilToken()).isZero();
    assertThat(b.tryTake()).isTrue();
  }
}
