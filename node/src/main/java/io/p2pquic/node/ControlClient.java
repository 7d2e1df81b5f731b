package io.p2pquic.node;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;

/** {@code status} and {@code ping} talk to the running local peer through its control endpoint. */
final class ControlClient {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final int port;

  ControlClient(int port) {
    this.port = port;
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://" + ControlServer.HOST + ":" + port + pathAndQuery);
  }

  String get(String pathAndQuery) {
    try {
      return http.send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw notRunning(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /** The body's lines as they arrive (NDJSON from /ping). */
  Stream<String> lines(String pathAndQuery) {
    try {
      return http.send(HttpRequest.newBuilder(uri(pathAndQuery)).build(), HttpResponse.BodyHandlers.ofLines()).body();
    } catch (IOException e) {
      throw notRunning(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private IllegalStateException notRunning(IOException e) {
    String what = e instanceof ConnectException ? "nothing listens there" : e.toString();
    return new IllegalStateException("no local peer answers on " + ControlServer.HOST + ":" + port + " (" + what
        + "). Start one first (p2p-node peer, expose or forward), or name its port with --control-port "
        + "(control.port in conf/peer.json, default 8790)");
  }
}
