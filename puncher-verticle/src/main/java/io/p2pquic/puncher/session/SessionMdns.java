package io.p2pquic.puncher.session;

import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.mdns.MdnsResolver;
import io.vertx.core.Future;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One session's mDNS host candidates (draft-ietf-mmusic-mdns-ice-candidates; docs/ice.md, "mDNS host
 * candidates"). Outbound, when {@code session.mdns.enabled}: a private IPv4 host candidate goes out under a
 * random {@code .local} name the peer's responder answers for, and a server-reflexive candidate's related
 * address is hidden ({@code 0.0.0.0 9}); the agent keeps the real ones. Inbound, always: a candidate named
 * {@code *.local} is resolved on the LAN before the agent sees it. Names live as long as the session.
 */
final class SessionMdns {
  private static final InetSocketAddress HIDDEN = new InetSocketAddress("0.0.0.0", 9);

  private final SessionContext ctx;
  private final Map<InetAddress, String> published = new HashMap<>();

  SessionMdns(SessionContext ctx) {
    this.ctx = ctx;
  }

  private boolean publishing() {
    return ctx.mdnsResponder() != null;
  }

  /** What the peer is told of our candidate {@code c}. */
  Candidate wire(Candidate c) {
    if (!publishing()) {
      return c;
    }
    if (c.type() == CandidateType.HOST && c.address().getAddress() instanceof Inet4Address ip && ip.isSiteLocalAddress()) {
      String name = published.computeIfAbsent(ip, a -> ctx.mdnsResponder().register((Inet4Address) a));
      return new Candidate(c.foundation(), c.component(), c.transport(), c.priority(), c.type(),
          InetSocketAddress.createUnresolved(name, c.address().getPort()), null, c.extensions());
    }
    if (c.type() == CandidateType.SERVER_REFLEXIVE && c.relatedAddress() != null) {
      return new Candidate(c.foundation(), c.component(), c.transport(), c.priority(), c.type(), c.address(), HIDDEN,
          c.extensions());
    }
    return c;
  }

  /** Whether the peer's candidate names its address by mDNS. */
  static boolean named(Candidate remote) {
    return remote.address().isUnresolved() && MdnsResolver.isMdnsName(remote.address().getHostString());
  }

  /** The peer's candidate with its {@code .local} name resolved on this LAN. */
  Future<Candidate> resolve(Candidate remote) {
    String name = remote.address().getHostString();
    return new MdnsResolver(ctx.vertx(), ctx.options().mdns().resolveTimeoutMillis()).resolve(name)
        .map(ip -> new Candidate(remote.foundation(), remote.component(), remote.transport(), remote.priority(),
            remote.type(), new InetSocketAddress(ip, remote.address().getPort()), remote.relatedAddress(),
            remote.extensions()));
  }

  /** Stops answering for this session's names. */
  void close() {
    if (publishing()) {
      published.values().forEach(ctx.mdnsResponder()::unregister);
    }
    published.clear();
  }
}
