package io.p2pquic.quic;

import io.netty.handler.codec.quic.Quic;
import io.vertx.core.Future;
import java.util.Locale;

/**
 * Whether quiche (the native QUIC library inside Netty's codec) loads on this machine, and if not, an
 * error that names the platform and what to do. The fat jar carries Netty's builds for
 * {@link #PLATFORMS}.
 */
public final class QuicNativeLibrary {
  /** The platforms Netty publishes {@code netty-codec-native-quic} for, all in the fat jar. */
  public static final String PLATFORMS = "linux-x86_64, linux-aarch_64, osx-x86_64, osx-aarch_64, windows-x86_64";

  private QuicNativeLibrary() {}

  /** Succeeds when QUIC can run here; fails with {@link #unavailableMessage} otherwise. */
  public static Future<Void> check() {
    if (Quic.isAvailable()) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new IllegalStateException(unavailableMessage(System.getProperty("os.name"),
        System.getProperty("os.arch"), Quic.unavailabilityCause())));
  }

  static String unavailableMessage(String os, String arch, Throwable cause) {
    String platform = (os == null ? "unknown" : os.toLowerCase(Locale.ROOT)) + " " + (arch == null ? "unknown" : arch);
    return "QUIC is not available on this platform (" + platform + "): the native quiche library did not load"
        + (cause != null && cause.getMessage() != null ? " (" + cause.getMessage() + ")" : "")
        + ". This build carries it for " + PLATFORMS + "; on another platform, build Netty's netty-codec-native-quic"
        + " for it and put the jar on the class path, or run the peer on one of those platforms.";
  }
}
