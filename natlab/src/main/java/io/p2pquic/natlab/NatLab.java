package io.p2pquic.natlab;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A NAT lab made of Linux network namespaces: an "internet" namespace holding a bridge, a public
 * server namespace with two addresses (203.0.113.10 and .11, for RFC 5780's alternate address),
 * and per peer a router namespace (NAT, firewall, link conditions) with a host namespace behind
 * it. Everything is created by {@link #up()} and removed by {@link #close()}; all names carry a
 * per-run prefix ({@code pq<6 hex>-}) so parallel labs never collide. Needs root (see
 * {@link #prerequisites()}); traffic never leaves the lab's namespaces.
 *
 * <pre>{@code
 * try (NatLab lab = NatLab.builder()
 *     .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
 *     .peer("b", RouterNat.SYMMETRIC)
 *     .build()) {
 *   lab.up();
 *   Process p = lab.exec(lab.hostNamespace("a"), List.of("java", "-cp", cp, "Main"));
 * }
 * }</pre>
 *
 * <p>Thread-safe: methods are synchronized; {@link #exec} processes are plain {@link Process}es.
 */
public final class NatLab implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NatLab.class);

  /** Matches every namespace any lab creates: {@code pq} + 6 hex digits + {@code -}. */
  public static final Pattern LAB_NAMESPACE = Pattern.compile("pq[0-9a-f]{6}-.+");

  /** Where labs keep their scripts, forwarder logs and state ({@code <dir>/<prefix>/lab.json}). */
  static final Path RUN_DIR = Path.of("/tmp/p2p-natlab");

  static final Path NETNS_DIR = Path.of("/var/run/netns");

  private static final Duration FORWARDER_START_TIMEOUT = Duration.ofSeconds(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  private enum Phase { NEW, UP, CLOSED }

  private final CommandRunner runner;
  private final Topology topology;
  private final boolean detached;
  /** Dual-stack: global IPv6 on every host behind a stateful firewall (no NAT), beside NATed IPv4. */
  private final boolean ipv6;
  private final Path workDir;
  private final Map<String, Long> forwarderPids = new LinkedHashMap<>();
  private final Map<String, Process> forwarders = new HashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private final Map<String, Double> loss = new HashMap<>();
  private final Map<String, Integer> rebinds = new HashMap<>();
  private final Map<String, Set<String>> blocked = new HashMap<>();
  private Phase phase = Phase.NEW;
  private Thread shutdownHook;
  private String createdAt = "";

  private NatLab(CommandRunner runner, Topology topology, boolean detached) {
    this(runner, topology, detached, false);
  }

  private NatLab(CommandRunner runner, Topology topology, boolean detached, boolean ipv6) {
    this.runner = runner;
    this.topology = topology;
    this.detached = detached;
    this.ipv6 = ipv6;
    this.workDir = RUN_DIR.resolve(topology.prefix.substring(0, topology.prefix.length() - 1));
    for (Topology.Peer p : topology.peers.values()) {
      loss.put(p.name(), p.spec().link().lossPercent());
      blocked.put(p.name(), new TreeSet<>());
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects the peers; {@link #build()} creates nothing yet. */
  public static final class Builder {
    private final Map<String, PeerSpec> peers = new LinkedHashMap<>();
    private final Map<String, String> lanHosts = new LinkedHashMap<>();
    private final Map<String, Topology.RouterExtras> extras = new LinkedHashMap<>();
    private String prefix;
    private boolean detached;
    private boolean ipv6;
    private CommandRunner runner = Shell.SYSTEM;

    private Builder() {
    }

    public Builder peer(String name, RouterNat nat) {
      return peer(PeerSpec.of(name, nat, LinkConditions.none()));
    }

    public Builder peer(String name, RouterNat nat, LinkConditions link) {
      return peer(PeerSpec.of(name, nat, link));
    }

    public Builder peer(PeerSpec spec) {
      Objects.requireNonNull(spec, "spec");
      if (peers.containsKey(spec.name())) {
        throw new IllegalArgumentException("duplicate peer name '" + spec.name() + "'");
      }
      if (peers.size() >= Topology.MAX_PEERS) {
        throw new IllegalArgumentException("at most " + Topology.MAX_PEERS + " peers");
      }
      peers.put(spec.name(), spec);
      return this;
    }

    /**
     * Another host, {@code name}, on {@code peer}'s LAN behind the same router (two peers behind one NAT):
     * address 10.i.0.(10+k), same subnet as the peer's host; {@link #hostNamespace(String)} and
     * {@link #hostAddress(String)} take its name. IPv4 only. The router has no hairpin NAT unless {@link #hairpin}
     * says so (Linux NAT does not loop a dynamic mapping back into the LAN by itself), so such hosts reach each
     * other over their LAN addresses, or with {@link #clientIsolation} only through a hairpinning router.
     */
    public Builder lanHost(String name, String peer) {
      Objects.requireNonNull(name, "name");
      if (!peers.containsKey(peer)) {
        throw new IllegalArgumentException("no peer '" + peer + "' to share a LAN with (add it first)");
      }
      if (peers.containsKey(name) || lanHosts.containsKey(name)) {
        throw new IllegalArgumentException("duplicate host name '" + name + "'");
      }
      lanHosts.put(name, peer);
      return this;
    }

    /**
     * {@code peer}'s router runs a port-mapping server: Debian's miniupnpd (nftables build) speaking PCP
     * (RFC 6887) and NAT-PMP (RFC 6886) on its LAN, forwarding what its host maps. Its public address for
     * mappings is 11.0.0.(100+i) ({@link #mappedAddress(String)}), routed to the router from everywhere:
     * miniupnpd refuses to map behind the lab's documentation addresses (203.0.113.0/24), as it would
     * behind any reserved one. The router's NAT behaviour is otherwise unchanged.
     */
    public Builder portMapping(String peer) {
      return portMapping(peer, Topology.PortMapping.PCP_AND_NAT_PMP);
    }

    /**
     * As {@link #portMapping(String)}, but the router's miniupnpd speaks UPnP-IGD only (SSDP on the LAN, SOAP
     * on an HTTP port of its own), as many consumer routers do.
     */
    public Builder upnpGateway(String peer) {
      return portMapping(peer, Topology.PortMapping.UPNP_IGD);
    }

    private Builder portMapping(String peer, Topology.PortMapping protocols) {
      Topology.RouterExtras e = extras(peer);
      extras.put(peer, new Topology.RouterExtras(protocols, e.hairpin(), e.clientIsolation()));
      return this;
    }

    /**
     * {@code peer}'s router does hairpin NAT (RFC 4787 section 6): a packet from its LAN to its public address
     * and a mapped port goes to the host that mapping belongs to, from the sender's public address. Linux NAT
     * does not do this by itself; the router records each mapping (public port -> host address and port) in an
     * nftables map as packets leave and DNATs LAN packets for its public address through it.
     */
    public Builder hairpin(String peer) {
      Topology.RouterExtras e = extras(peer);
      extras.put(peer, new Topology.RouterExtras(e.portMapping(), true, e.clientIsolation()));
      return this;
    }

    /**
     * The hosts on {@code peer}'s LAN ({@link #lanHost}) cannot reach each other directly, as on a guest
     * Wi-Fi with client isolation: each drops packets from and to the LAN's other addresses (the router's
     * excepted). Only paths through the router (its public address, with {@link #hairpin}) or outside remain.
     */
    public Builder clientIsolation(String peer) {
      Topology.RouterExtras e = extras(peer);
      extras.put(peer, new Topology.RouterExtras(e.portMapping(), e.hairpin(), true));
      return this;
    }

    private Topology.RouterExtras extras(String peer) {
      if (!peers.containsKey(peer)) {
        throw new IllegalArgumentException("no peer '" + peer + "' (add it first)");
      }
      if (peers.get(peer).nat() == RouterNat.NONE) {
        throw new IllegalArgumentException("peer '" + peer + "' has no NAT router");
      }
      return extras.getOrDefault(peer, Topology.RouterExtras.NONE);
    }

    /** Whether a peer or LAN host of this name was added. */
    public boolean hasPeer(String name) {
      return peers.containsKey(name) || lanHosts.containsKey(name);
    }

    public Builder peers(List<PeerSpec> specs) {
      specs.forEach(this::peer);
      return this;
    }

    /**
     * Uses this prefix instead of a random one: {@code pq} + 6 lower-case hex digits + {@code -}.
     * Mostly for tests; two labs with one prefix would collide.
     */
    public Builder prefix(String prefix) {
      if (!prefix.matches("pq[0-9a-f]{6}-")) {
        throw new IllegalArgumentException("prefix must look like pq1a2b3c-, got '" + prefix + "'");
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * A detached lab outlives this JVM: no shutdown hook, forwarders in their own session and not
     * watching this process. For {@code natlab up}; tests want the default (attached).
     */
    public Builder detached(boolean detached) {
      this.detached = detached;
      return this;
    }

    Builder runner(CommandRunner runner) {
      this.runner = Objects.requireNonNull(runner);
      return this;
    }

    List<PeerSpec> specs() {
      return List.copyOf(peers.values());
    }

    /**
     * Dual-stack lab: besides its NATed IPv4 address every host gets a global IPv6 address
     * (2001:db8:i::2/64) routed without NAT through a stateful firewall on its router (outbound opens,
     * only replies of the same 5-tuple come back, like a home router's IPv6 firewall); the server gets
     * 2001:db8::10 and ::11. Loss and blocked paths apply to IPv4 only.
     */
    public Builder ipv6(boolean ipv6) {
      this.ipv6 = ipv6;
      return this;
    }

    public NatLab build() {
      if (peers.isEmpty()) {
        throw new IllegalArgumentException("a lab needs at least one peer");
      }
      String p = prefix != null ? prefix : randomPrefix();
      return new NatLab(runner, new Topology(p, List.copyOf(peers.values()), lanHosts, extras), detached, ipv6);
    }
  }

  static String randomPrefix() {
    return String.format("pq%06x-", RANDOM.nextInt(1 << 24));
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Creates the namespaces, links, addresses, routes, neighbour entries, nftables rules and delay
   * forwarders. On any failure tears down whatever was created and throws a {@link LabException}
   * naming the failing command and its stderr.
   *
   * @throws IllegalStateException if called twice or after {@link #close()}
   */
  public synchronized void up() {
    if (phase != Phase.NEW) {
      throw new IllegalStateException("lab " + topology.prefix + " is " + phase.name().toLowerCase());
    }
    phase = Phase.UP; // from here on close() must clean up, whatever happens
    long t0 = System.nanoTime();
    createdAt = Instant.now().toString();
    if (!detached) {
      shutdownHook = new Thread(this::closeFromHook, "natlab-teardown-" + topology.prefix);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
    try {
      Files.createDirectories(workDir);
      writeState(); // before any namespace exists, so the stale cleaner knows the owner
      build();
      writeState();
    } catch (IOException e) {
      LabException le = new LabException("cannot create " + workDir + ": " + e.getMessage(), e);
      failUp(le);
      throw le;
    } catch (RuntimeException e) {
      failUp(e);
      throw e;
    }
    LOG.info("NAT lab {} up in {} ms: {}", topology.prefix, (System.nanoTime() - t0) / 1_000_000,
        describePeers());
  }

  private void failUp(RuntimeException e) {
    LOG.warn("NAT lab {} failed to come up, tearing down: {}", topology.prefix, e.getMessage());
    try {
      close();
    } catch (RuntimeException te) {
      e.addSuppressed(te);
    }
  }

  private String describePeers() {
    StringBuilder sb = new StringBuilder();
    for (Topology.Peer p : topology.peers.values()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(p.name()).append('=').append(p.spec().nat().cliName()).append(" (")
          .append(p.spec().link()).append(')');
    }
    return sb.toString();
  }

  private void build() {
    Topology t = topology;
    // 1. namespaces: IPv6 off before any interface exists (new ones inherit "default")
    for (String ns : t.namespaces()) {
      ip("netns", "add", ns);
      if (ipv6) {
        // No duplicate address detection: addresses are usable at once (DAD would hold them ~2 s).
        sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
      } else {
        sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
      }
      ipn(ns, "link", "set", "lo", "up");
    }
    // 2. the internet: a bridge
    ipn(t.inetNs, "link", "add", Topology.BRIDGE, "type", "bridge");
    ipn(t.inetNs, "link", "set", Topology.BRIDGE, "up");
    // 3. the public server, two addresses on one interface
    ipn(t.serverNs, "link", "add", Topology.SERVER_IF, "address", Topology.SERVER_MAC,
        "type", "veth", "peer", "name", "v-srv", "netns", t.inetNs);
    ipn(t.inetNs, "link", "set", "v-srv", "master", Topology.BRIDGE, "up");
    ipn(t.serverNs, "addr", "add", Topology.SERVER_IP + "/" + Topology.WAN_PREFIX_LEN,
        "dev", Topology.SERVER_IF);
    ipn(t.serverNs, "addr", "add", Topology.SERVER_ALT_IP + "/" + Topology.WAN_PREFIX_LEN,
        "dev", Topology.SERVER_IF);
    ipn(t.serverNs, "link", "set", Topology.SERVER_IF, "up");
    ipn(t.serverNs, "route", "add", "blackhole", "default");
    // 4. per peer: router and host
    for (Topology.Peer p : t.peers.values()) {
      buildPeer(p);
    }
    // 5. plain-routed (NONE) peers: everyone else needs a route to their 10.x network
    for (Topology.Peer p : t.peers.values()) {
      if (p.spec().nat() == RouterNat.NONE) {
        ipn(t.serverNs, "route", "add", p.lanSubnet(), "via", p.wanIp());
        for (Topology.Peer o : t.peers.values()) {
          if (o != p) {
            ipn(o.routerNs(), "route", "add", p.lanSubnet(), "via", p.wanIp());
          }
        }
      }
    }
    // 6. delay forwarders (TAP pairs), then static neighbours everywhere on the WAN: without
    //    them the first packet of a flow pays an extra ARP round trip through the delay.
    for (Topology.Peer p : t.peers.values()) {
      if (p.spec().link().needsForwarder()) {
        startForwarder(p);
      }
    }
    StringBuilder server = new StringBuilder();
    for (Topology.Peer p : t.peers.values()) {
      server.append(neigh(p.wanIp(), p.wanMac(), Topology.SERVER_IF));
      StringBuilder router = new StringBuilder();
      router.append(neigh(Topology.SERVER_IP, Topology.SERVER_MAC, Topology.WAN_IF));
      router.append(neigh(Topology.SERVER_ALT_IP, Topology.SERVER_MAC, Topology.WAN_IF));
      for (Topology.Peer o : t.peers.values()) {
        if (o != p) {
          router.append(neigh(o.wanIp(), o.wanMac(), Topology.WAN_IF));
        }
      }
      router.append(neigh(p.hostIp(), p.hostMac(), Topology.LAN_IF));
      ipBatch(p.routerNs(), router.toString());
      ipBatch(p.hostNs(), neigh(p.lanIp(), p.lanMac(), Topology.HOST_IF));
    }
    ipBatch(t.serverNs, server.toString());
    if (ipv6) {
      buildIpv6();
    }
    // 7. NAT and link rules, conntrack settings
    for (Topology.Peer p : t.peers.values()) {
      nft(p.routerNs(), NftRules.natScript(p) + NftRules.linkScript(loss.get(p.name()), Set.of()));
      p.spec().udpTimeoutOption().ifPresent(d -> {
        if (p.spec().nat() != RouterNat.NONE) {
          sysctl(p.routerNs(), "net.netfilter.nf_conntrack_udp_timeout=" + d.toSeconds(),
              "net.netfilter.nf_conntrack_udp_timeout_stream=" + d.toSeconds());
        }
      });
      flushConntrackQuietly(p.routerNs());
    }
    // 8. hairpinning routers answer no redirects (the hosts must keep going through the public address);
    //    client isolation on bridged LANs; port-mapping routers: their mapped address routed to them, miniupnpd
    for (Topology.Peer p : t.peers.values()) {
      if (p.extras().hairpin()) {
        sysctl(p.routerNs(), "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf." + Topology.LAN_IF + ".send_redirects=0");
      }
      if (p.extras().clientIsolation()) {
        // Each host on the LAN drops what comes from or goes to another LAN address but the router's. Not the
        // bridge's own port isolation: it also drops what the router routes back into the LAN (the skb keeps
        // its "came in on an isolated port" mark), which would break hairpinning as no real router does.
        nft(p.hostNs(), NftRules.clientIsolationScript(p));
        for (Topology.LanHost lh : t.lanHosts.values()) {
          if (lh.router() == p) {
            nft(lh.hostNs(), NftRules.clientIsolationScript(p));
          }
        }
      }
    }
    for (Topology.Peer p : t.peers.values()) {
      if (p.portMapping()) {
        ipn(p.routerNs(), "addr", "add", p.mappedIp() + "/32", "dev", Topology.WAN_IF);
        ipn(t.serverNs, "route", "add", p.mappedIp() + "/32", "via", p.wanIp());
        for (Topology.Peer o : t.peers.values()) {
          if (o != p) {
            ipn(o.routerNs(), "route", "add", p.mappedIp() + "/32", "via", p.wanIp());
          }
        }
        startMiniupnpd(p);
      }
    }
  }

  /**
   * Runs miniupnpd in the router's namespace (killed with the lab): NAT-PMP and PCP on the LAN address, UPnP
   * off, mappings only for the LAN's own hosts and ports 1024-65535 ({@code secure_mode}), external
   * address {@link Topology.Peer#mappedIp()}. Waits until it listens.
   */
  private void startMiniupnpd(Topology.Peer p) {
    nft(p.routerNs(), NftRules.miniupnpdScript());
    String conf = String.join("\n",
        "ext_ifname=" + Topology.WAN_IF,
        "ext_ip=" + p.mappedIp(),
        "listening_ip=" + Topology.LAN_IF,
        "enable_natpmp=" + (p.extras().portMapping() == Topology.PortMapping.PCP_AND_NAT_PMP ? "yes" : "no"),
        "enable_upnp=" + (p.extras().portMapping() == Topology.PortMapping.UPNP_IGD ? "yes" : "no"),
        "http_port=0",
        "secure_mode=yes",
        "upnp_table_name=miniupnpd",
        "upnp_nat_table_name=miniupnpd",
        "upnp_forward_chain=miniupnpd",
        "upnp_nat_chain=prerouting_miniupnpd",
        "upnp_nat_postrouting_chain=postrouting_miniupnpd",
        "uuid=3d3cec3a-8cf0-11e0-98ee-" + String.format("%012x", p.index()),
        "allow 1024-65535 " + p.lanSubnet() + " 1024-65535",
        "deny 0-65535 0.0.0.0/0 0-65535", "");
    Path confFile = workDir.resolve("miniupnpd-" + p.name() + ".conf");
    Path log = workDir.resolve("miniupnpd-" + p.name() + ".log");
    try {
      Files.writeString(confFile, conf);
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new LabException("cannot write " + confFile + ": " + e.getMessage(), e);
    }
    ProcessBuilder pb = processBuilder(p.routerNs(), List.of(Tools.miniupnpd(), "-d", "-f", confFile.toString(),
        "-P", workDir.resolve("miniupnpd-" + p.name() + ".pid").toString()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectErrorStream(true);
    try {
      processes.add(pb.start());
    } catch (IOException e) {
      throw new LabException("cannot start miniupnpd: " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        if (Files.exists(log) && Files.readString(log).contains(
            p.extras().portMapping() == Topology.PortMapping.UPNP_IGD ? "HTTP listening on port" : "Listening for NAT-PMP/PCP traffic")) {
          return;
        }
        Thread.sleep(50);
      } catch (IOException e) {
        // not written yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("interrupted while starting miniupnpd", e);
      }
    }
    throw new LabException("miniupnpd on " + p.name() + "'s router did not start listening within 10 s; see " + log);
  }

  /** Global IPv6 for the server and every host; routers route it with a stateful firewall, no NAT. */
  private void buildIpv6() {
    Topology t = topology;
    ipn(t.serverNs, "-6", "addr", "add", Topology.SERVER_IP6 + "/64", "dev", Topology.SERVER_IF, "nodad");
    ipn(t.serverNs, "-6", "addr", "add", Topology.SERVER_ALT_IP6 + "/64", "dev", Topology.SERVER_IF, "nodad");
    for (Topology.Peer p : t.peers.values()) {
      sysctl(p.routerNs(), "net.ipv6.conf.all.forwarding=1");
      ipn(p.routerNs(), "-6", "addr", "add", p.wanIp6() + "/64", "dev", Topology.WAN_IF, "nodad");
      ipn(p.routerNs(), "-6", "addr", "add", p.lanIp6() + "/64", "dev", Topology.LAN_IF, "nodad");
      ipn(p.hostNs(), "-6", "addr", "add", p.hostIp6() + "/64", "dev", Topology.HOST_IF, "nodad");
      ipn(p.hostNs(), "-6", "route", "add", "default", "via", p.lanIp6());
      ipn(t.serverNs, "-6", "route", "add", p.lanSubnet6(), "via", p.wanIp6());
      for (Topology.Peer o : t.peers.values()) {
        if (o != p) {
          ipn(p.routerNs(), "-6", "route", "add", o.lanSubnet6(), "via", o.wanIp6());
        }
      }
      nft(p.routerNs(), NftRules.ipv6FirewallScript());
    }
  }

  private void buildPeer(Topology.Peer p) {
    String r = p.routerNs();
    String h = p.hostNs();
    String inet = topology.inetNs;
    sysctl(r, "net.ipv4.ip_forward=1");
    if (p.spec().link().needsForwarder()) {
      ipn(r, "tuntap", "add", "dev", Topology.WAN_IF, "mode", "tap");
      ipn(r, "link", "set", Topology.WAN_IF, "address", p.wanMac());
      ipn(inet, "tuntap", "add", "dev", p.bridgePort(), "mode", "tap");
    } else {
      ipn(r, "link", "add", Topology.WAN_IF, "address", p.wanMac(), "type", "veth",
          "peer", "name", p.bridgePort(), "netns", inet);
    }
    ipn(inet, "link", "set", p.bridgePort(), "master", Topology.BRIDGE, "up");
    ipn(r, "addr", "add", p.wanIp() + "/" + Topology.WAN_PREFIX_LEN, "dev", Topology.WAN_IF);
    ipn(r, "link", "set", Topology.WAN_IF, "up");
    if (topology.bridged(p)) {
      // More than one host on this LAN: the router's LAN interface is a bridge with a port a host.
      ipn(r, "link", "add", Topology.LAN_IF, "address", p.lanMac(), "type", "bridge");
      ipn(r, "link", "add", "lp0", "type", "veth", "peer", "name", Topology.HOST_IF, "address", p.hostMac(), "netns", h);
      ipn(r, "link", "set", "lp0", "master", Topology.LAN_IF, "up");
      for (Topology.LanHost lh : topology.lanHosts.values()) {
        if (lh.router() == p) {
          ipn(r, "link", "add", lh.bridgePort(), "type", "veth", "peer", "name", Topology.HOST_IF, "address", lh.hostMac(),
              "netns", lh.hostNs());
          ipn(r, "link", "set", lh.bridgePort(), "master", Topology.LAN_IF, "up");
          ipn(lh.hostNs(), "addr", "add", lh.hostIp() + "/24", "dev", Topology.HOST_IF);
          ipn(lh.hostNs(), "link", "set", Topology.HOST_IF, "up");
          ipn(lh.hostNs(), "route", "add", "default", "via", p.lanIp());
        }
      }
    } else {
      ipn(r, "link", "add", Topology.LAN_IF, "address", p.lanMac(), "type", "veth",
          "peer", "name", Topology.HOST_IF, "address", p.hostMac(), "netns", h);
    }
    ipn(r, "addr", "add", p.lanIp() + "/24", "dev", Topology.LAN_IF);
    ipn(r, "link", "set", Topology.LAN_IF, "up");
    ipn(r, "route", "add", "blackhole", "default");
    ipn(h, "addr", "add", p.hostIp() + "/24", "dev", Topology.HOST_IF);
    ipn(h, "link", "set", Topology.HOST_IF, "up");
    ipn(h, "route", "add", "default", "via", p.lanIp());
  }

  private static String neigh(String ip, String mac, String dev) {
    return "neigh replace " + ip + " lladdr " + mac + " dev " + dev + " nud permanent\n";
  }

  private void startForwarder(Topology.Peer p) {
    Path script = extractForwarderScript();
    LinkConditions link = p.spec().link();
    List<String> cmd = new ArrayList<>(List.of(Tools.python(), script.toString(),
        p.routerNs(), Topology.WAN_IF, topology.inetNs, p.bridgePort(),
        millis(link.delay()), millis(link.jitter()), "--control", delayControlFile(p.name()).toString()));
    if (detached) {
      cmd.add("--detach");
    } else {
      cmd.addAll(List.of("--parent", Long.toString(ProcessHandle.current().pid())));
    }
    Path log = workDir.resolve("forwarder-" + p.name() + ".log");
    LOG.debug("start forwarder: {}", String.join(" ", cmd));
    Process proc;
    try {
      proc = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new LabException("cannot start delay forwarder " + String.join(" ", cmd) + ": "
          + e.getMessage(), e);
    }
    forwarders.put(p.name(), proc);
    forwarderPids.put(p.name(), proc.pid());
    long deadline = System.nanoTime() + FORWARDER_START_TIMEOUT.toNanos();
    StringBuilder out = new StringBuilder();
    try (InputStream in = proc.getInputStream()) {
      while (!out.toString().contains("READY\n")) {
        if (in.available() > 0) {
          int n = in.read();
          if (n < 0) {
            break;
          }
          out.append((char) n);
          continue;
        }
        if (!proc.isAlive() || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(2);
      }
    } catch (IOException e) {
      // fall through to the check below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted while starting the delay forwarder", e);
    }
    if (!out.toString().contains("READY\n")) {
      String err = readQuietly(log);
      throw new LabException(cmd, proc.isAlive() ? -1 : proc.exitValue(),
          (proc.isAlive() ? "forwarder not ready after " + FORWARDER_START_TIMEOUT.toSeconds()
              + " s\n" : "") + err);
    }
    LOG.debug("forwarder for {} ready, pid {}", p.name(), proc.pid());
  }

  private static String millis(Duration d) {
    return LinkConditions.trim(d.toNanos() / 1e6);
  }

  private Path extractForwarderScript() {
    Path script = workDir.resolve("tapfwd.py");
    if (!Files.exists(script)) {
      try (InputStream in = NatLab.class.getResourceAsStream("tapfwd.py")) {
        if (in == null) {
          throw new LabException("tapfwd.py missing from the natlab jar");
        }
        Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new LabException("cannot write " + script + ": " + e.getMessage(), e);
      }
    }
    return script;
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Tears everything down: processes started by {@link #exec}, delay forwarders, every namespace
   * carrying this lab's prefix (with any process still inside), the work directory. Idempotent,
   * best effort; safe on a lab that never came up or came up halfway.
   */
  @Override
  public synchronized void close() {
    if (phase == Phase.CLOSED) {
      return;
    }
    boolean wasUp = phase == Phase.UP;
    phase = Phase.CLOSED;
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down: we are probably running inside the hook
      }
      shutdownHook = null;
    }
    if (!wasUp) {
      return;
    }
    teardown(runner, topology.prefix, processes, forwarders, forwarderPids);
    deleteRecursively(workDir);
    LOG.info("NAT lab {} torn down", topology.prefix);
  }

  private void closeFromHook() {
    synchronized (this) {
      shutdownHook = null; // do not try to remove the hook while it runs
    }
    close();
  }

  private static void teardown(CommandRunner runner, String prefix, List<Process> processes,
      Map<String, Process> forwarders, Map<String, Long> forwarderPids) {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    List<ProcessHandle> dying = new ArrayList<>();
    for (Map.Entry<String, Long> e : forwarderPids.entrySet()) {
      Process own = forwarders.get(e.getKey());
      Optional<ProcessHandle> h = own != null ? Optional.of(own.toHandle())
          : ProcessHandle.of(e.getValue()).filter(NatLab::isForwarder);
      h.ifPresent(ph -> {
        ph.destroy();
        dying.add(ph);
      });
    }
    for (ProcessHandle ph : dying) {
      try {
        ph.onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception ex) {
        ph.destroyForcibly();
      }
    }
    for (String ns : namespacesWithPrefix(prefix)) {
      deleteNamespace(runner, ns);
    }
  }

  private static boolean isForwarder(ProcessHandle ph) {
    return ph.info().arguments().map(a -> String.join(" ", a).contains("tapfwd.py"))
        .orElse(false);
  }

  private static void deleteNamespace(CommandRunner runner, String ns) {
    ExecResult pids = Shell.quiet(runner, List.of(Tools.ip(), "netns", "pids", ns));
    for (String line : pids.stdout().split("\\s+")) {
      if (line.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    ExecResult r = Shell.quiet(runner, List.of(Tools.ip(), "netns", "delete", ns));
    if (r.exitCode() != 0 && Files.exists(NETNS_DIR.resolve(ns))) {
      LOG.warn("could not delete namespace {}: {}", ns, r.stderr().strip());
    }
  }

  static List<String> namespacesWithPrefix(String prefix) {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(NETNS_DIR)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(NETNS_DIR)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix)) {
          out.add(n);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", NETNS_DIR, e.toString());
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.debug("cannot delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      LOG.debug("cannot walk {}: {}", dir, e.toString());
    }
  }

  // ---------------------------------------------------------------- state (CLI, stale cleaner)

  private LabState state() {
    long start = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    return new LabState(topology.prefix, ProcessHandle.current().pid(), start, detached, createdAt,
        List.copyOf(specs()), forwarderPids);
  }

  private void writeState() {
    state().write(workDir.resolve("lab.json"));
  }

  /** Writes what {@link #attach(Path)} needs to find this lab again from another process. */
  public synchronized void writeState(Path file) {
    state().write(file);
  }

  /**
   * A handle on a lab brought up by another process (e.g. {@code natlab up}) from its state file:
   * accessors work, and {@link #close()} tears it down. Does not check the lab is still alive
   * (see {@link #isAlive()}).
   */
  public static NatLab attach(Path stateFile) {
    LabState s = LabState.read(stateFile)
        .orElseThrow(() -> new LabException("no lab state at " + stateFile));
    return attach(s, Shell.SYSTEM);
  }

  static NatLab attach(LabState s, CommandRunner runner) {
    NatLab lab = new NatLab(runner, new Topology(s.prefix(), s.peers()), true);
    lab.phase = Phase.UP;
    lab.createdAt = s.createdAt();
    lab.forwarderPids.putAll(s.forwarderPids());
    return lab;
  }

  /**
   * Deletes namespaces of labs whose owner is gone: crashed test JVMs, killed runs. A lab is
   * stale when its owner process (recorded in {@code /tmp/p2p-natlab/<prefix>/lab.json}) no
   * longer runs, or when it has no record and its namespaces are older than a minute. Detached
   * labs ({@code natlab up}) are left alone. Returns the namespaces deleted.
   */
  public static List<String> cleanupStale() {
    return cleanupStale(Shell.SYSTEM);
  }

  static synchronized List<String> cleanupStale(CommandRunner runner) {
    Map<String, List<String>> byPrefix = new LinkedHashMap<>();
    for (String ns : namespacesWithPrefix("pq")) {
      if (LAB_NAMESPACE.matcher(ns).matches()) {
        byPrefix.computeIfAbsent(ns.substring(0, 9), k -> new ArrayList<>()).add(ns);
      }
    }
    List<String> removed = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : byPrefix.entrySet()) {
      String prefix = e.getKey();
      Path dir = RUN_DIR.resolve(prefix.substring(0, prefix.length() - 1));
      Optional<LabState> state;
      try {
        state = LabState.read(dir.resolve("lab.json"));
      } catch (LabException ex) {
        state = Optional.empty();
      }
      boolean stale;
      if (state.isPresent()) {
        LabState s = state.get();
        stale = !s.detached() && !ownerAlive(s);
      } else {
        stale = e.getValue().stream().allMatch(ns -> olderThan(ns, Duration.ofMinutes(1)));
      }
      if (!stale) {
        continue;
      }
      LOG.info("removing stale NAT lab {} ({} namespaces)", prefix, e.getValue().size());
      teardown(runner, prefix, List.of(), Map.of(),
          state.map(LabState::forwarderPids).orElse(Map.of()));
      deleteRecursively(dir);
      removed.addAll(e.getValue());
    }
    return removed;
  }

  private static boolean ownerAlive(LabState s) {
    return ProcessHandle.of(s.ownerPid())
        .filter(ProcessHandle::isAlive)
        .map(h -> s.ownerStartMillis() == 0 || h.info().startInstant()
            .map(i -> Math.abs(i.toEpochMilli() - s.ownerStartMillis()) < 1000).orElse(true))
        .orElse(false);
  }

  private static boolean olderThan(String ns, Duration age) {
    try {
      FileTime t = Files.getLastModifiedTime(NETNS_DIR.resolve(ns));
      return t.toInstant().isBefore(Instant.now().minus(age));
    } catch (IOException e) {
      return true;
    }
  }

  // ---------------------------------------------------------------- accessors

  public String prefix() {
    return topology.prefix;
  }

  /** Peers in the order they were added (peer i has 10.i.0.0/24 and WAN 203.0.113.(100+i)). */
  public List<PeerSpec> specs() {
    List<PeerSpec> l = new ArrayList<>();
    topology.peers.values().forEach(p -> l.add(p.spec()));
    return l;
  }

  public PeerSpec spec(String peer) {
    return topology.peer(peer).spec();
  }

  public List<String> peerNames() {
    return List.copyOf(topology.peers.keySet());
  }

  /** The server's primary and alternate address (203.0.113.10, 203.0.113.11). */
  public List<InetAddress> serverAddresses() {
    return List.of(addr(Topology.SERVER_IP), addr(Topology.SERVER_ALT_IP));
  }

  public InetAddress serverAddress() {
    return addr(Topology.SERVER_IP);
  }

  public InetAddress serverAlternateAddress() {
    return addr(Topology.SERVER_ALT_IP);
  }

  public String serverNamespace() {
    return topology.serverNs;
  }

  /** The namespace holding the bridge (no addresses; where the delay forwarders live). */
  public String internetNamespace() {
    return topology.inetNs;
  }

  /** The namespace of a peer's host, or of another host on a LAN ({@link Builder#lanHost}). */
  public String hostNamespace(String peer) {
    return topology.hostNs(peer);
  }

  public String routerNamespace(String peer) {
    return topology.peer(peer).routerNs();
  }

  /** Whether hosts have global IPv6 ({@link Builder#ipv6}). */
  public boolean ipv6() {
    return ipv6;
  }

  /** The host's global IPv6 address, 2001:db8:i::2 (dual-stack labs only). */
  public InetAddress hostAddress6(String peer) {
    requireIpv6();
    return addr(topology.peer(peer).hostIp6());
  }

  /** The server's IPv6 address, 2001:db8::10 (dual-stack labs only). */
  public InetAddress serverAddress6() {
    requireIpv6();
    return addr(Topology.SERVER_IP6);
  }

  private void requireIpv6() {
    if (!ipv6) {
      throw new IllegalStateException("this lab has no IPv6 (NatLab.builder().ipv6(true))");
    }
  }

  /** The router's public address (203.0.113.(100+i)): what the world sees of the peer. */
  public InetAddress routerWanAddress(String peer) {
    return addr(topology.peer(peer).wanIp());
  }

  /** The public address a port-mapping router ({@link Builder#portMapping(String)}) maps to: 11.0.0.(100+i). */
  public InetAddress mappedAddress(String peer) {
    Topology.Peer p = topology.peer(peer);
    if (!p.portMapping()) {
      throw new IllegalArgumentException("peer '" + peer + "' has no port-mapping router");
    }
    return addr(p.mappedIp());
  }

  /** The router's LAN address (10.i.0.1), the host's gateway. */
  public InetAddress routerLanAddress(String peer) {
    return addr(topology.peer(peer).lanIp());
  }

  /** The host's (private) address, 10.i.0.2 (10.i.0.(10+k) for another host on a LAN). */
  public InetAddress hostAddress(String peer) {
    return addr(topology.hostIp(peer));
  }

  /** All namespaces of this lab, in creation order. */
  public List<String> namespaces() {
    return topology.namespaces();
  }

  /** The delay forwarder's pid for a peer with a delayed link. */
  public synchronized OptionalLong forwarderPid(String peer) {
    topology.peer(peer);
    Long pid = forwarderPids.get(peer);
    return pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  public synchronized boolean isUp() {
    return phase == Phase.UP;
  }

  /** True when every namespace exists and every forwarder runs. */
  public synchronized boolean isAlive() {
    if (phase != Phase.UP) {
      return false;
    }
    for (String ns : namespaces()) {
      if (!namespaceExists(ns)) {
        return false;
      }
    }
    for (Long pid : forwarderPids.values()) {
      if (!processAlive(pid)) {
        return false;
      }
    }
    return true;
  }

  public static boolean namespaceExists(String ns) {
    return Files.exists(NETNS_DIR.resolve(ns));
  }

  static boolean processAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static InetAddress addr(String ip) {
    try {
      return InetAddress.getByName(ip); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A human-readable picture of the lab: namespaces, addresses, NAT behaviour, link conditions,
   * forwarder pids, and whether each namespace exists and each forwarder runs right now.
   */
  public synchronized String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("NAT lab ").append(topology.prefix);
    if (!createdAt.isEmpty()) {
      sb.append("  created ").append(createdAt);
    }
    sb.append(detached ? "  (detached)" : "").append(phase == Phase.UP ? "" : "  [" + phase.name().toLowerCase() + "]")
        .append('\n');
    line(sb, "  internet", topology.inetNs, "bridge " + Topology.BRIDGE, nsState(topology.inetNs));
    line(sb, "  server", topology.serverNs, Topology.SERVER_IP + " (primary), "
        + Topology.SERVER_ALT_IP + " (alternate)", nsState(topology.serverNs));
    for (Topology.Peer p : topology.peers.values()) {
      PeerSpec s = p.spec();
      sb.append("  peer ").append(p.name()).append(": ").append(s.nat().cliName());
      if (s.nat() != RouterNat.NONE) {
        sb.append(" (mapping ").append(s.nat().mapping().name().toLowerCase().replace('_', '-'))
            .append(", filtering ").append(s.nat().filtering().name().toLowerCase().replace('_', '-'))
            .append(')');
      }
      sb.append("; link ").append(s.link());
      Double l = loss.get(p.name());
      if (l != null && l != s.link().lossPercent()) {
        sb.append(" (loss now ").append(LinkConditions.trim(l)).append(" %)");
      }
      if (s.udpTimeout() != null) {
        sb.append("; udp timeout ").append(s.udpTimeout().toSeconds()).append(" s");
      }
      sb.append('\n');
      line(sb, "    router", p.routerNs(), "WAN " + p.wanIp() + ", LAN " + p.lanIp(),
          nsState(p.routerNs()));
      line(sb, "    host", p.hostNs(), p.hostIp() + " via " + p.lanIp(), nsState(p.hostNs()));
      Long pid = forwarderPids.get(p.name());
      if (pid != null) {
        line(sb, "    forwarder", "pid " + pid, "TAP " + Topology.WAN_IF + " <-> " + p.bridgePort(),
            processAlive(pid) ? "alive" : "DEAD");
      } else if (s.link().needsForwarder()) {
        line(sb, "    forwarder", "-", "not started", "MISSING");
      }
    }
    return sb.toString();
  }

  private static String nsState(String ns) {
    return namespaceExists(ns) ? "up" : "MISSING";
  }

  private static void line(StringBuilder sb, String role, String name, String detail, String state) {
    sb.append(String.format("%-12s %-16s %-50s [%s]%n", role, name, detail, state));
  }

  // ---------------------------------------------------------------- running things inside

  /**
   * A ProcessBuilder for {@code ip netns exec <namespace> <command...>}: environment and working
   * directory are this JVM's, I/O is piped (the Java default). The caller owns the process.
   */
  public ProcessBuilder processBuilder(String namespace, List<String> command) {
    checkNamespace(namespace);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    List<String> full = new ArrayList<>(List.of(Tools.ip(), "netns", "exec", namespace));
    full.addAll(command);
    return new ProcessBuilder(full);
  }

  /**
   * Starts {@code command} inside {@code namespace} (ip netns exec; the command replaces
   * {@code ip}, so the Process is the command itself). Stdout/stderr are pipes the caller must
   * drain; stdin is /dev/null. The process is killed (with its descendants) by {@link #close()}.
   */
  public synchronized Process exec(String namespace, List<String> command) {
    requireUp();
    ProcessBuilder pb = processBuilder(namespace, command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    LOG.debug("exec in {}: {}", namespace, String.join(" ", command));
    try {
      Process p = pb.start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new LabException("cannot start " + String.join(" ", pb.command()) + ": "
          + e.getMessage(), e);
    }
  }

  /** Runs {@code command} inside {@code namespace} to completion; any exit code is returned. */
  public ExecResult run(String namespace, Duration timeout, List<String> command) {
    requireUp();
    return runner.run(processBuilder(namespace, command).command(), null, timeout);
  }

  // ---------------------------------------------------------------- changing conditions

  /**
   * Changes the one-way delay and jitter of a peer's WAN link (each direction) for packets from now on, e.g.
   * a delay spike and its end; packets already held keep their delay and order is preserved. The link
   * must have been created with a delay (it runs through the delay forwarder).
   */
  public synchronized void setLinkDelay(String peer, Duration delay, Duration jitter) {
    requireUp();
    Topology.Peer p = topology.peer(peer);
    new LinkConditions(delay, jitter, 0); // checks the bounds
    Long pid = forwarderPids.get(p.name());
    if (pid == null) {
      throw new LabException("peer " + peer + " has no delayed link (create it with a delay to change it later)");
    }
    Path control = delayControlFile(p.name());
    try {
      Files.writeString(control, millis(delay) + " " + millis(jitter) + "\n");
    } catch (IOException e) {
      throw new LabException("cannot write " + control + ": " + e.getMessage(), e);
    }
    ExecResult r = runner.run(List.of("kill", "-HUP", Long.toString(pid)), null, Duration.ofSeconds(5));
    if (r.exitCode() != 0) {
      throw new LabException("cannot signal the delay forwarder of " + peer + " (pid " + pid + "): " + r.stderr());
    }
  }

  /** Where {@link #setLinkDelay} tells a peer's forwarder its new delay (named by the lab's prefix). */
  private Path delayControlFile(String peer) {
    return Path.of(System.getProperty("java.io.tmpdir"), "natlab-" + topology.prefix + peer + ".delay");
  }

  /** Sets random loss (percent, each direction) on a peer's WAN; applies at once, atomically. */
  public synchronized void setLoss(String peer, double percent) {
    LinkConditions.checkLoss(percent);
    requireUp();
    Topology.Peer p = topology.peer(peer);
    loss.put(peer, percent);
    applyLinkRules(p);
  }

  /**
   * Blocks (or unblocks) all traffic between two peers' routers (their WAN addresses, and their
   * hosts' addresses for NONE peers), e.g. to force relaying. Both routers drop it, before
   * conntrack. Traffic with the server is unaffected.
   */
  public synchronized void setDirectPathBlocked(String peerA, String peerB, boolean block) {
    requireUp();
    Topology.Peer a = topology.peer(peerA);
    Topology.Peer b = topology.peer(peerB);
    if (a == b) {
      throw new IllegalArgumentException("a peer has no direct path to itself");
    }
    updateBlocked(a, b, block);
    updateBlocked(b, a, block);
    applyLinkRules(a);
    applyLinkRules(b);
  }

  private void updateBlocked(Topology.Peer at, Topology.Peer other, boolean block) {
    Set<String> s = blocked.get(at.name());
    List<String> addrs = new ArrayList<>(List.of(other.wanIp()));
    if (other.spec().nat() == RouterNat.NONE) {
      addrs.add(other.hostIp());
    }
    if (block) {
      s.addAll(addrs);
    } else {
      s.removeAll(addrs);
    }
  }

  private void applyLinkRules(Topology.Peer p) {
    nft(p.routerNs(), NftRules.linkScript(loss.get(p.name()), blocked.get(p.name())));
  }

  /** Forgets every NAT mapping and flow on a peer's router (conntrack -F). */
  public synchronized void flushConntrack(String peer) {
    requireUp();
    Shell.check(runner, List.of(Tools.ip(), "netns", "exec", topology.peer(peer).routerNs(),
        Tools.conntrack(), "-F"), null);
  }

  /**
   * The peer's router loses its state and maps from other public ports from now on (a reboot, a CGNAT
   * reassignment): every flow through it, existing ones included, gets a new public port with its next
   * packet. Filtering and mapping behaviour stay as configured.
   */
  public synchronized void rebindMappings(String peer) {
    requireUp();
    Topology.Peer p = topology.peer(peer);
    int n = rebinds.merge(peer, 1, Integer::sum);
    nft(p.routerNs(), NftRules.natScript(p, n));
    Shell.check(runner, List.of(Tools.ip(), "netns", "exec", p.routerNs(), Tools.conntrack(), "-F"), null);
  }

  /** The nftables ruleset of a peer's router, as {@code nft list ruleset} prints it. */
  public String routerRuleset(String peer) {
    requireUp();
    return Shell.check(runner, List.of(Tools.ip(), "netns", "exec",
        topology.peer(peer).routerNs(), Tools.nft(), "list", "ruleset"), null).stdout();
  }

  private void requireUp() {
    if (phase != Phase.UP) {
      throw new IllegalStateException("lab " + topology.prefix + " is not up");
    }
  }

  private void checkNamespace(String ns) {
    if (!topology.namespaces().contains(ns)) {
      throw new IllegalArgumentException("'" + ns + "' is not a namespace of lab " + topology.prefix);
    }
  }

  // ---------------------------------------------------------------- command helpers

  private void ip(String... args) {
    List<String> c = new ArrayList<>();
    c.add(Tools.ip());
    c.addAll(List.of(args));
    Shell.check(runner, c, null);
  }

  private void ipn(String ns, String... args) {
    List<String> c = new ArrayList<>(List.of(Tools.ip(), "-n", ns));
    c.addAll(List.of(args));
    Shell.check(runner, c, null);
  }

  private void ipBatch(String ns, String commands) {
    Shell.check(runner, List.of(Tools.ip(), "-n", ns, "-batch", "-"), commands);
  }

  private void sysctl(String ns, String... settings) {
    List<String> c = new ArrayList<>(List.of(Tools.ip(), "netns", "exec", ns, Tools.sysctl(),
        "-q", "-e", "-w"));
    c.addAll(List.of(settings));
    Shell.check(runner, c, null);
  }

  private void nft(String ns, String script) {
    Shell.check(runner, List.of(Tools.ip(), "netns", "exec", ns, Tools.nft(), "-f", "-"), script);
  }

  private void flushConntrackQuietly(String ns) {
    if (Tools.find("conntrack").isEmpty()) {
      LOG.debug("no conntrack tool: not flushing {} (a new namespace starts empty anyway)", ns);
      return;
    }
    Shell.quiet(runner, List.of(Tools.ip(), "netns", "exec", ns, Tools.conntrack(), "-F"));
  }

  // ---------------------------------------------------------------- prerequisites

  private static volatile Prerequisites cachedPrerequisites;

  /**
   * What this machine lacks for a lab: root, {@code ip}, {@code nft}, {@code sysctl},
   * {@code /dev/net/tun} and python3 (delay forwarder), and whether a network namespace can
   * actually be created (probed once per JVM). Cached.
   */
  public static Prerequisites prerequisites() {
    Prerequisites p = cachedPrerequisites;
    if (p == null) {
      p = checkPrerequisites(Shell.SYSTEM);
      cachedPrerequisites = p;
    }
    return p;
  }

  static Prerequisites checkPrerequisites(CommandRunner runner) {
    List<String> missing = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    long uid = Tools.effectiveUid();
    if (uid != 0) {
      missing.add("root (running as uid " + uid + ")");
    }
    for (String tool : List.of("ip", "nft", "sysctl")) {
      if (Tools.find(tool).isEmpty()) {
        missing.add("'" + tool + "' command (" + Tools.packageOf(tool) + ")");
      }
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      missing.add("/dev/net/tun (TUN/TAP driver, for delayed links)");
    }
    if (Tools.findPython().isEmpty()) {
      missing.add("python3 (delay forwarder)");
    }
    if (Tools.find("conntrack").isEmpty()) {
      warnings.add("no 'conntrack' command (package conntrack): conntrack is not flushed");
    }
    if (missing.isEmpty()) {
      String probe = String.format("pqprobe%06x", RANDOM.nextInt(1 << 24));
      try {
        ExecResult r = runner.run(List.of(Tools.ip(), "netns", "add", probe), null,
            Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
          missing.add("permission to create network namespaces (ip netns add: "
              + r.stderr().strip() + ")");
        }
      } finally {
        if (Files.exists(NETNS_DIR.resolve(probe))) {
          Shell.quiet(runner, List.of(Tools.ip(), "netns", "delete", probe));
        }
      }
    }
    return new Prerequisites(missing, warnings);
  }
}
