package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's runtime class path (what the fat jar is shaded from) carries quiche for every platform Netty
 * builds it for, so one jar runs on Linux x86-64 and ARM64, macOS Intel and Apple silicon, and Windows;
 * and Netty's epoll for both Linux architectures, which the node's Vert.x runs on.
 */
class NativeQuicPlatformsTest {

  @Test
  void everyPublishedQuicheBuildIsOnTheClassPath() {
    List<String> natives = List.of("META-INF/native/libnetty_quiche42_linux_x86_64.so",
        "META-INF/native/libnetty_quiche42_linux_aarch_64.so", "META-INF/native/libnetty_quiche42_osx_x86_64.jnilib",
        "META-INF/native/libnetty_quiche42_osx_aarch_64.jnilib", "META-INF/native/netty_quiche42_windows_x86_64.dll");
    for (String n : natives) {
      assertThat(getClass().getClassLoader().getResource(n)).as(n).isNotNull();
    }
  }

  @Test
  void epollShipsForBothLinuxArchitecturesAndTheNodeRunsOnIt() {
    for (String n : List.of("META-INF/native/libnetty_transport_native_epoll_x86_64.so",
        "META-INF/native/libnetty_transport_native_epoll_aarch_64.so")) {
      assertThat(getClass().getClassLoader().getResource(n)).as(n).isNotNull();
    }
    io.vertx.core.Vertx vertx = NodeRuntime.vertx();
    try {
      assertThat(vertx.isNativeTransportEnabled()).as("session sockets batch only on the native transport").isTrue();
    } finally {
      vertx.close();
    }
  }
}
