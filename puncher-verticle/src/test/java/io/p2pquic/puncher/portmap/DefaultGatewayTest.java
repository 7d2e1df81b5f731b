package io.p2pquic.puncher.portmap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DefaultGatewayTest {
  private static final String HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

  @Test
  void takesTheDefaultRouteWithTheLowestMetric() {
    String table = HEADER
        + "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" // 10.0.0.0/24, no gateway
        + "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" // default via 192.168.1.1, metric 600
        + "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"; // default via 10.0.0.1, metric 100
    assertThat(DefaultGateway.parse(table)).map(a -> a.getHostAddress()).contains("10.0.0.1");
  }

  @Test
  void noneWithoutADefaultRouteThroughAGateway() {
    assertThat(DefaultGateway.parse(HEADER + "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")).isEmpty();
    assertThat(DefaultGateway.parse(HEADER + "eth0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n")).isEmpty();
    assertThat(DefaultGateway.parse("")).isEmpty();
  }
}
