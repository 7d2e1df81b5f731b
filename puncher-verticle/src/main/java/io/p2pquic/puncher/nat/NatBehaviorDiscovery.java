package io.p2pquic.puncher.nat;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.puncher.nat.NatProbe.Outcome;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.stun.StunResponse;
import io.p2pquic.puncher.stun.StunTimeoutException;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NAT behaviour discovery (RFC 5780 sections 4.3 and 4.4) against one RFC 5780 STUN server, i.e. one
 * that has a second IP and port and reports them in OTHER-ADDRESS.
 *
 * <p>Everything runs on one fresh UDP socket, in this order:
 *
 * <ol>
 *   <li><b>Test I</b>: Binding to the primary address. No answer: UDP blocked. Mapped address equal to
 *       the local address: no NAT. No OTHER-ADDRESS: the server cannot do the other tests (UNKNOWN,
 *       with a reason saying what to configure).
 *   <li><b>Filtering tests</b> (section 4.4), while the socket has still contacted nobody but the
 *       primary address: Binding with CHANGE-REQUEST "change IP and port" (test II) and "change port"
 *       (test III), sent together. II answered: endpoint-independent filtering; else III answered:
 *       address-dependent; else address-and-port-dependent. A CHANGE-REQUEST answered from the
 *       address it was sent to means the server ignored it: UNKNOWN rather than a wrong "EIF".
 *   <li><b>Mapping tests</b> (section 4.3), skipped when there is no NAT: Binding to (alternate IP,
 *       primary port) (test II) and to (alternate IP, alternate port) (test III), sent together.
 *       II's mapped address equal to test I's: endpoint-independent mapping; else III's equal to II's:
 *       address-dependent; else address-and-port-dependent.
 * </ol>
 *
 * <p>Filtering runs before mapping because the mapping tests send to the alternate IP, which opens an
 * address-dependent filter for that IP: filtering tests after them would see an address-restricted NAT
 * as full cone. Doing filtering first keeps the single socket "fresh" for it, and stays correct even
 * for NATs that keep filter state per host rather than per mapping.
 *
 * <p>With {@link RetransmitPolicy#DISCOVERY} a silent probe costs 1.65 s, so a port-restricted NAT
 * classifies in about 1.7 s plus three round trips.
 */
public final class NatBehaviorDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(NatBehaviorDiscovery.class);

  private final Vertx vertx;
  private final NatCheckOptions options;
  private final MeterRegistry registry;

  public NatBehaviorDiscovery(Vertx vertx, NatCheckOptions options, MeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.registry = registry;
  }

  /**
   * Classifies the NAT between this host and {@code stunServer} (a resolved address). Fails only when
   * no socket can be opened (no route, bad local address); every network outcome is a result.
   */
  public Future<NatBehavior> discover(InetSocketAddress stunServer) {
    if (stunServer == null || stunServer.isUnresolved()) {
      return Future.failedFuture(new IllegalArgumentException("STUN server must be a resolved address: " + stunServer));
    }
    long start = System.nanoTime();
    Future<InetAddress> localIp = options.localAddress() != null
        ? Future.succeededFuture(SocketAddresses.parseIp(options.localAddress()))
        : vertx.executeBlocking(() -> SocketAddresses.routeSource(stunServer), false);
    return localIp
        .compose(ip -> StunClient.bind(vertx, ip.getHostAddress(), 0, registry))
        .compose(client -> new Run(client, stunServer, start).run().andThen(ar -> {
          client.close();
          client.endpoint().close();
        }))
        .onSuccess(b -> LOG.info("NAT behaviour via {}: {}", SocketAddresses.format(stunServer), b.describe()));
  }

  /** One discovery on one socket. */
  private final class Run {
    final StunClient client;
    final InetSocketAddress server;
    final long start;
    final RetransmitPolicy policy = options.retransmit();
    final List<NatProbe> probes = new ArrayList<>();
    InetSocketAddress local;
    InetSocketAddress mapped;
    InetSocketAddress other;
    InetSocketAddress origin;

    Run(StunClient client, InetSocketAddress server, long start) {
      this.client = client;
      this.server = server;
      this.start = start;
      this.local = client.localAddress();
    }

    Future<NatBehavior> run() {
      return probe("test-I", server, false, false).compose(t1 -> {
        probes.add(t1);
        if (!t1.answered()) {
          return Future.succeededFuture(testIFailed(t1));
        }
        mapped = t1.mapped();
        boolean noNat = SocketAddresses.sameEndpoint(mapped, local);
        if (other == null) {
          return Future.succeededFuture(result(
              noNat ? MappingBehavior.NO_NAT : MappingBehavior.UNKNOWN,
              FilteringBehavior.UNKNOWN,
              "STUN server " + SocketAddresses.format(server) + " sent no usable OTHER-ADDRESS, so it has no"
                  + " alternate address for the RFC 5780 tests: configure the server with a second IP address and"
                  + " port (p2p-node rendezvous --bind ADDR --alt-address ADDR2, i.e. stun.alternateAddress and stun.alternatePort in "
                  + "conf/rendezvous.json; on loopback e.g. --bind 127.0.0.1 --alt-address 127.0.0.2)"));
        }
        Future<NatProbe> f2 = probe("filtering-II", server, true, true);
        Future<NatProbe> f3 = probe("filtering-III", server, false, true);
        return Future.join(f2, f3).transform(x -> {
          probes.add(f2.result());
          probes.add(f3.result());
          Verdict<FilteringBehavior> filtering = classifyFiltering(f2.result(), f3.result());
          if (noNat) {
            return Future.succeededFuture(result(MappingBehavior.NO_NAT, filtering.value(), filtering.note()));
          }
          Future<NatProbe> m2 = probe("mapping-II", new InetSocketAddress(other.getAddress(), server.getPort()), false, false);
          Future<NatProbe> m3 = probe("mapping-III", other, false, false);
          return Future.join(m2, m3).transform(y -> {
            probes.add(m2.result());
            probes.add(m3.result());
            Verdict<MappingBehavior> mapping = classifyMapping(t1, m2.result(), m3.result());
            return Future.succeededFuture(result(mapping.value(), filtering.value(), join(filtering.note(), mapping.note())));
          });
        });
      });
    }

    private NatBehavior testIFailed(NatProbe t1) {
      if (t1.outcome() == Outcome.TIMEOUT) {
        return build(MappingBehavior.UNKNOWN, FilteringBehavior.UNKNOWN, NatType.UDP_BLOCKED,
            "no response from " + SocketAddresses.format(server) + " over UDP after " + t1.attempts()
                + " requests: UDP is blocked on this network, or the server is down or unreachable");
      }
      return build(MappingBehavior.UNKNOWN, FilteringBehavior.UNKNOWN, NatType.UNKNOWN,
          "test I (Binding to " + SocketAddresses.format(server) + ") failed: " + t1.detail());
    }

    private NatBehavior result(MappingBehavior m, FilteringBehavior f, String reason) {
      return build(m, f, NatType.of(m, f), reason);
    }

    private NatBehavior build(MappingBehavior m, FilteringBehavior f, NatType type, String reason) {
      return new NatBehavior(m, f, type, reason, server, local, mapped, other, origin, probes,
          (System.nanoTime() - start) / 1_000_000);
    }

    /** A Binding request and what came of it; never fails. Test I also records OTHER-ADDRESS. */
    Future<NatProbe> probe(String name, InetSocketAddress dest, boolean changeIp, boolean changePort) {
      StunMessage.Builder b = StunMessage.builder(StunMessageType.BINDING_REQUEST);
      if (changeIp || changePort) {
        b.add(StunAttributes.changeRequest(changeIp, changePort));
      }
      return client.request(dest, b.build(), policy)
          .map(r -> {
            if (name.equals("test-I") && r.isSuccess()) {
              other = usableOther(r);
              origin = r.responseOrigin().orElse(null);
            }
            return toProbe(name, dest, changeIp, changePort, r);
          })
          .otherwise(err -> {
            int attempts = err instanceof StunTimeoutException t ? t.attempts() : 0;
            Outcome o = err instanceof StunTimeoutException ? Outcome.TIMEOUT : Outcome.FAILED;
            return new NatProbe(name, dest, o, null, null, -1, attempts,
                o == Outcome.TIMEOUT ? null : String.valueOf(err.getMessage()));
          });
    }

    private InetSocketAddress usableOther(StunResponse r) {
      InetSocketAddress o = r.otherAddress().orElse(null);
      if (o == null) {
        return null;
      }
      boolean sameFamily = (o.getAddress() instanceof Inet6Address) == (server.getAddress() instanceof Inet6Address);
      if (!sameFamily || SocketAddresses.sameIp(o.getAddress(), server.getAddress()) || o.getPort() == server.getPort()) {
        LOG.warn("STUN server {} reports OTHER-ADDRESS {}, which is not a second IP and port of the same family",
            SocketAddresses.format(server), SocketAddresses.format(o));
        return null;
      }
      return o;
    }
  }

  static NatProbe toProbe(String name, InetSocketAddress dest, boolean changeIp, boolean changePort, StunResponse r) {
    long rtt = r.rtt().toMillis();
    if (!r.isSuccess()) {
      String detail = r.errorCode().map(e -> "error " + e.code() + " " + e.reason()).orElse("error response");
      return new NatProbe(name, dest, Outcome.ERROR_RESPONSE, null, r.source(), rtt, r.attempts(), detail);
    }
    InetSocketAddress m = r.mappedAddress().orElse(null);
    if (m == null) {
      return new NatProbe(name, dest, Outcome.FAILED, null, r.source(), rtt, r.attempts(),
          "success response without a mapped address");
    }
    if (changeIp || changePort) {
      boolean ipChanged = !SocketAddresses.sameIp(r.source().getAddress(), dest.getAddress());
      boolean portChanged = r.source().getPort() != dest.getPort();
      if (ipChanged != changeIp || portChanged != changePort) {
        return new NatProbe(name, dest, Outcome.NOT_HONOURED, m, r.source(), rtt, r.attempts(),
            "CHANGE-REQUEST(" + (changeIp ? "ip " : "") + (changePort ? "port" : "") + ") answered from "
                + SocketAddresses.format(r.source()));
      }
    }
    return new NatProbe(name, dest, Outcome.RESPONSE, m, r.source(), rtt, r.attempts(), null);
  }

  /** A classification and, when it is UNKNOWN or shaky, why. */
  record Verdict<T>(T value, String note) {}

  /** RFC 5780 section 4.4 from the two CHANGE-REQUEST probes. */
  static Verdict<FilteringBehavior> classifyFiltering(NatProbe changeIpAndPort, NatProbe changePort) {
    switch (changeIpAndPort.outcome()) {
      case RESPONSE:
        return new Verdict<>(FilteringBehavior.ENDPOINT_INDEPENDENT, null);
      case NOT_HONOURED:
      case ERROR_RESPONSE:
      case FAILED:
        return new Verdict<>(FilteringBehavior.UNKNOWN, "the server did not carry out CHANGE-REQUEST (change IP and"
            + " port): " + changeIpAndPort.detail() + "; it needs an alternate address and must answer from it");
      case TIMEOUT:
      default:
        break;
    }
    return switch (changePort.outcome()) {
      case RESPONSE -> new Verdict<>(FilteringBehavior.ADDRESS_DEPENDENT, null);
      case TIMEOUT -> new Verdict<>(FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT, null);
      default -> new Verdict<>(FilteringBehavior.UNKNOWN, "the server did not carry out CHANGE-REQUEST (change"
          + " port): " + changePort.detail());
    };
  }

  /** RFC 5780 section 4.3 from test I and the two probes to the alternate IP. */
  static Verdict<MappingBehavior> classifyMapping(NatProbe test1, NatProbe test2, NatProbe test3) {
    if (!test2.answered()) {
      return new Verdict<>(MappingBehavior.UNKNOWN, "the server's alternate address "
          + SocketAddresses.format(test2.destination()) + " did not answer ("
          + (test2.outcome() == Outcome.TIMEOUT ? "timeout" : test2.detail())
          + "); check that the alternate IP is reachable from here");
    }
    if (test2.mapped().equals(test1.mapped())) {
      return new Verdict<>(MappingBehavior.ENDPOINT_INDEPENDENT, null);
    }
    if (!test3.answered()) {
      return new Verdict<>(MappingBehavior.UNKNOWN, "the mapping changed for the alternate IP, but "
          + SocketAddresses.format(test3.destination()) + " did not answer, so address-dependent and"
          + " address-and-port-dependent mapping cannot be told apart");
    }
    return test3.mapped().equals(test2.mapped())
        ? new Verdict<>(MappingBehavior.ADDRESS_DEPENDENT, null)
        : new Verdict<>(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT, null);
  }

  private static String join(String a, String b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : a + "; " + b;
  }
}
