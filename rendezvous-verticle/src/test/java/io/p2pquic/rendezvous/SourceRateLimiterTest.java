package io.p2pquic.rendezvous;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class SourceRateLimiterTest {

  private static InetAddress ip(int i) throws Exception {
    return InetAddress.getByAddress(new byte[] {(byte) 198, (byte) 51, (byte) (i >> 8), (byte) i});
  }

  @Test
  void eachSourceGetsItsBurstThenWaitsForTheRate() throws Exception {
    SourceRateLimiter l = new SourceRateLimiter(5, 1_000_000);
    int granted = 0;
    for (int i = 0; i < 50; i++) {
      granted += l.tryAcquire(ip(1)) ? 1 : 0;
    }
    assertThat(granted).as("burst of twice the rate, then nothing within microseconds").isEqualTo(10);
    assertThat(l.tryAcquire(ip(2))).as("another source has its own bucket").isTrue();
  }

  @Test
  void manySpoofedSourcesDoNotRaiseTheTotal() throws Exception {
    SourceRateLimiter l = new SourceRateLimiter(100, 5);
    int granted = 0;
    for (int i = 0; i < 1000; i++) {
      granted += l.tryAcquire(ip(i)) ? 1 : 0;
    }
    assertThat(granted).isEqualTo(10);
  }

  @Test
  void rememberedSourcesAreBounded() throws Exception {
    SourceRateLimiter l = new SourceRateLimiter(1, 1e9);
    for (int i = 0; i < SourceRateLimiter.MAX_SOURCES + 5000; i++) {
      l.tryAcquire(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
    }
    assertThat(l.sourcesTracked()).isEqualTo(SourceRateLimiter.MAX_SOURCES);
  }
}
