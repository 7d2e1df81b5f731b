package io.p2pquic.puncher.mdns;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Resolves a peer's {@code .local} name with a one-shot legacy unicast query (RFC 6762 section 5.1): sent
 * from a fresh ephemeral socket to 224.0.0.251:5353 (again after 250 ms), the first authoritative A answer
 * for that name and query id wins. Fails with an {@link UnknownHostException} after the timeout.
 */
public final class MdnsResolver {
  private final Vertx vertx;
  private final long timeoutMillis;
  private final String destinationHost;
  private final int destinationPort;

  public MdnsResolver(Vertx vertx, long timeoutMillis) {
    this(vertx, timeoutMillis, MdnsResponder.GROUP, MdnsResponder.PORT);
  }

  /** For tests: queries go to {@code host:port} (a responder on loopback) instead of the group. */
  MdnsResolver(Vertx vertx, long timeoutMillis, String destinationHost, int destinationPort) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
    this.destinationHost = destinationHost;
    this.destinationPort = destinationPort;
  }

  public Future<InetAddress> resolve(String name) {
    String wanted = MdnsMessages.normalize(name);
    int id = ThreadLocalRandom.current().nextInt(1, 0x10000);
    byte[] query = MdnsMessages.query(id, wanted);
    Promise<InetAddress> promise = Promise.promise();
    DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions().setMulticastTimeToLive(255).setIpV6(false));
    socket.handler(p -> {
      MdnsMessages.Answer a = MdnsMessages.decodeAnswer(p.data().getBytes());
      if (a == null || a.id() != id) {
        return;
      }
      a.records().stream().filter(r -> r.name().equals(wanted)).findFirst().ifPresent(r -> promise.tryComplete(r.address()));
    });
    socket.listen(0, "0.0.0.0").onFailure(promise::tryFail).onSuccess(s -> {
      socket.send(Buffer.buffer(query), destinationPort, destinationHost);
      long retry = vertx.setTimer(250, t -> socket.send(Buffer.buffer(query), destinationPort, destinationHost));
      long timeout = vertx.setTimer(timeoutMillis, t -> promise.tryFail(new UnknownHostException(wanted
          + " did not resolve by mDNS within " + timeoutMillis + " ms: the peer's host is not on this LAN, or"
          + " multicast does not pass between the two hosts")));
      promise.future().onComplete(ar -> {
        vertx.cancelTimer(retry);
        vertx.cancelTimer(timeout);
        socket.close();
      });
    });
    return promise.future();
  }

  /** Whether a candidate's host is an mDNS name ({@code .local}) rather than an address. */
  public static boolean isMdnsName(String host) {
    return host != null && host.length() <= 255 && MdnsMessages.normalize(host).endsWith(".local")
        && host.matches("[A-Za-z0-9.-]+\\.?");
  }
}
