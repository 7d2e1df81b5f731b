package io.p2pquic.quic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where quiche does not load, the error names the platform and the ones this build supports. */
class QuicNativeLibraryTest {

  @Test
  void anUnsupportedPlatformIsNamedWithWhatToDo() {
    String m = QuicNativeLibrary.unavailableMessage("FreeBSD", "riscv64",
        new UnsatisfiedLinkError("no netty_quiche42_freebsd_riscv64 in java.library.path"));
    assertThat(m).contains("freebsd riscv64").contains("no netty_quiche42_freebsd_riscv64")
        .contains("linux-aarch_64").contains("osx-aarch_64").contains("build Netty's netty-codec-native-quic");
  }

  @Test
  void onThisMachineItLoads() throws Exception {
    assertThat(QuicNativeLibrary.check().succeeded()).as("quiche on " + System.getProperty("os.arch")).isTrue();
  }
}
