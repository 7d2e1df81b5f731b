package io.p2pquic.quic;

import io.netty.handler.codec.quic.BoringSSLKeylog;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends TLS secrets in NSS key log format (one line per secret, as BoringSSL produces them) to a
 * file, the way browsers honour {@code SSLKEYLOGFILE}. One writer per path, shared by all endpoints
 * of the JVM; each line is flushed at once (a few lines per handshake).
 */
final class KeyLogFile implements BoringSSLKeylog {
  private static final Logger LOG = LoggerFactory.getLogger(KeyLogFile.class);
  private static final Map<Path, KeyLogFile> OPEN = new ConcurrentHashMap<>();

  private final Path path;
  private BufferedWriter out;
  private boolean failed;

  private KeyLogFile(Path path) {
    this.path = path;
  }

  static KeyLogFile forPath(String path) {
    return OPEN.computeIfAbsent(Path.of(path).toAbsolutePath(), p -> {
      LOG.warn("QUIC TLS key logging is on: secrets go to {} (anyone reading it can decrypt the traffic)", p);
      return new KeyLogFile(p);
    });
  }

  @Override
  public synchronized void logKey(SSLEngine engine, String line) {
    if (failed) {
      return;
    }
    try {
      if (out == null) {
        out = Files.newBufferedWriter(path, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      }
      out.write(line);
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      failed = true;
      LOG.warn("cannot write the TLS key log {}: {}", path, e.toString());
    }
  }
}
