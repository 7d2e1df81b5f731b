package io.p2pquic.node.bridge;

import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.net.InetAddress;
import java.util.Collection;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge of one peer (docs/bridge.md): {@link BridgePermissions} on
 * {@code bridge.bind}:{@code bridge.port}, and the {@link BridgeDataFacade} it relies on.
 *
 * <p>One verticle for both, so they share one event loop: the {@code connected} event that makes the
 * facade serve a session is published before the connect reply, so the facade has taken it before the
 * bridge even sees the reply, and a client's first {@code .send} right after the reply finds its consumer.
 */
public final class EventBusBridgeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(EventBusBridgeVerticle.class);

  private final PeerId local;
  private final String bind;
  private final int port;
  private final Supplier<Collection<String>> liveSessionIds;
  private BridgeDataFacade facade;
  private TcpEventBusBridge bridge;

  /** @param liveSessionIds the sessions already up when it starts (read on its event loop) */
  public EventBusBridgeVerticle(PeerId local, String bind, int port, Supplier<Collection<String>> liveSessionIds) {
    this.local = local;
    this.bind = bind;
    this.port = port;
    this.liveSessionIds = liveSessionIds;
  }

  @Override
  public Future<?> start() {
    facade = new BridgeDataFacade(vertx, local);
    bridge = TcpEventBusBridge.create(vertx, BridgePermissions.forPeer(local), new NetServerOptions());
    return facade.start(liveSessionIds.get())
        .compose(v -> bridge.listen(port, bind))
        .onSuccess(b -> {
          LOG.info("event-bus bridge on tcp://{}:{} for peer {} (docs/bridge.md)", bind, port, local.shortId());
          if (!loopback(bind)) {
            LOG.warn("the event-bus bridge listens on {}, not loopback: it has no authentication, so anyone who "
                + "reaches {}:{} can open sessions as this peer. Firewall the port or bind 127.0.0.1", bind, bind, port);
          }
        })
        .recover(err -> Future.failedFuture(new IllegalStateException("event-bus bridge not started on " + bind + ":"
            + port + " (" + err.getMessage() + "): pick another bridge.port / --bridge-port, or -1 for none", err)));
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = bridge == null ? Future.succeededFuture() : bridge.close();
    return Future.join(closed, facade == null ? Future.succeededFuture() : facade.stop());
  }

  /** Without a DNS lookup (this runs on the event loop): an IP literal, or the name localhost. */
  private static boolean loopback(String host) {
    if (!io.netty.util.NetUtil.isValidIpV4Address(host) && !io.netty.util.NetUtil.isValidIpV6Address(host)) {
      return "localhost".equalsIgnoreCase(host);
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // a literal: parsed, not resolved
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
