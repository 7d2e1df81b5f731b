package io.p2pquic.natlab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names and addresses of one lab, computed from the peer list and the run prefix. Pure data, no
 * side effects: the plan {@link NatLab#up()} executes and {@code status} prints.
 */
final class Topology {

  static final String SERVER_IP = "203.0.113.10";
  static final String SERVER_ALT_IP = "203.0.113.11";
  /** Dual-stack labs: the "internet" 2001:db8::/64, peer i's LAN 2001:db8:i::/64 (documentation prefix). */
  static final String SERVER_IP6 = "2001:db8::10";
  static final String SERVER_ALT_IP6 = "2001:db8::11";
  static final int WAN_PREFIX_LEN = 24;
  static final String SERVER_MAC = "02:70:71:00:00:0a";
  static final String BRIDGE = "br0";
  /** Interface names inside the namespaces (same in every lab: namespaces keep them apart). */
  static final String SERVER_IF = "eth0";
  static final String WAN_IF = "wan";
  static final String LAN_IF = "lan";
  static final String HOST_IF = "eth0";
  static final int MAX_PEERS = 150;

  /** One peer's slot in the lab. */
  /**
   * What a router does beside its NAT: a port-mapping server, hairpin NAT (a LAN host reaching another
   * through the router's public address and mapped port), client isolation (LAN hosts cannot reach each
   * other directly, as on a guest Wi-Fi).
   */
  record RouterExtras(PortMapping portMapping, boolean hairpin, boolean clientIsolation) {
    static final RouterExtras NONE = new RouterExtras(PortMapping.NONE, false, false);
  }

  /** Which port-mapping protocols a router's miniupnpd speaks. */
  enum PortMapping { NONE, PCP_AND_NAT_PMP, UPNP_IGD }

  record Peer(PeerSpec spec, int index, String routerNs, String hostNs, String wanIp,
      String lanIp, String hostIp, RouterExtras extras) {

    boolean portMapping() {
      return extras.portMapping() != PortMapping.NONE;
    }

    String name() {
      return spec.name();
    }

    /** The router-side bridge port in the internet namespace (veth peer or TAP). */
    String bridgePort() {
      return (spec.link().needsForwarder() ? "t-" : "v-") + spec.name();
    }

    /**
     * The public address a port-mapping router hands out (11.0.0.(100+i)): outside every reserved range,
     * since miniupnpd refuses to map behind a documentation or private address; routed to the router.
     */
    String mappedIp() {
      return "11.0.0." + (100 + index);
    }

    String lanSubnet() {
      return "10." + index + ".0.0/24";
    }

    String wanIp6() {
      return "2001:db8::" + Integer.toHexString(0x100 + index);
    }

    String lanSubnet6() {
      return "2001:db8:" + Integer.toHexString(index) + "::/64";
    }

    String lanIp6() {
      return "2001:db8:" + Integer.toHexString(index) + "::1";
    }

    String hostIp6() {
      return "2001:db8:" + Integer.toHexString(index) + "::2";
    }

    String wanMac() {
      return mac(1, index);
    }

    String lanMac() {
      return mac(2, index);
    }

    String hostMac() {
      return mac(3, index);
    }

    private static String mac(int role, int index) {
      return String.format("02:70:71:%02x:%02x:%02x", role, index >> 8, index & 0xff);
    }
  }

  /**
   * Another host on a peer's LAN, behind the same router (two peers behind one NAT): its own namespace,
   * address 10.i.0.(10+slot) on the router's LAN, which becomes a bridge.
   */
  record LanHost(String name, Peer router, int slot, String hostNs, String hostIp) {
    String hostMac() {
      return String.format("02:70:71:04:%02x:%02x", router.index() & 0xff, slot & 0xff);
    }

    /** The router-side port of its link on the LAN bridge. */
    String bridgePort() {
      return "lp" + slot;
    }
  }

  final String prefix;
  final String inetNs;
  final String serverNs;
  final Map<String, Peer> peers;
  final Map<String, LanHost> lanHosts;

  Topology(String prefix, List<PeerSpec> specs) {
    this(prefix, specs, Map.of());
  }

  /** @param lanHosts extra hosts by name, each naming the peer whose LAN it shares (in order) */
  Topology(String prefix, List<PeerSpec> specs, Map<String, String> lanHosts) {
    this(prefix, specs, lanHosts, Map.of());
  }

  /** @param extras what some routers do beside their NAT, by peer name (others: nothing) */
  Topology(String prefix, List<PeerSpec> specs, Map<String, String> lanHosts, Map<String, RouterExtras> extras) {
    if (specs.size() > MAX_PEERS) {
      throw new IllegalArgumentException("at most " + MAX_PEERS + " peers");
    }
    this.prefix = prefix;
    this.inetNs = prefix + "inet";
    this.serverNs = prefix + "srv";
    Map<String, Peer> m = new LinkedHashMap<>();
    int i = 1;
    for (PeerSpec s : specs) {
      m.put(s.name(), new Peer(s, i, prefix + "r-" + s.name(), prefix + "h-" + s.name(),
          "203.0.113." + (100 + i), "10." + i + ".0.1", "10." + i + ".0.2", extras.getOrDefault(s.name(), RouterExtras.NONE)));
      i++;
    }
    this.peers = Collections.unmodifiableMap(m);
    Map<String, LanHost> extra = new LinkedHashMap<>();
    Map<String, Integer> slots = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : lanHosts.entrySet()) {
      if (peers.containsKey(e.getKey()) || extra.containsKey(e.getKey())) {
        throw new IllegalArgumentException("duplicate host name '" + e.getKey() + "'");
      }
      Peer router = peer(e.getValue());
      int slot = slots.merge(router.name(), 1, Integer::sum);
      extra.put(e.getKey(), new LanHost(e.getKey(), router, slot, prefix + "h-" + e.getKey(),
          "10." + router.index() + ".0." + (10 + slot)));
    }
    this.lanHosts = Collections.unmodifiableMap(extra);
  }

  /** Whether the peer's LAN holds more hosts than its own (then it is a bridge). */
  boolean bridged(Peer p) {
    return lanHosts.values().stream().anyMatch(h -> h.router() == p);
  }

  /** The namespace of a peer's host or of another host on a LAN. */
  String hostNs(String name) {
    LanHost h = lanHosts.get(name);
    return h != null ? h.hostNs() : peer(name).hostNs();
  }

  /** The private address of a peer's host or of another host on a LAN. */
  String hostIp(String name) {
    LanHost h = lanHosts.get(name);
    return h != null ? h.hostIp() : peer(name).hostIp();
  }

  /** All namespaces, in creation order. */
  List<String> namespaces() {
    List<String> all = new ArrayList<>();
    all.add(inetNs);
    all.add(serverNs);
    for (Peer p : peers.values()) {
      all.add(p.routerNs());
      all.add(p.hostNs());
    }
    lanHosts.values().forEach(h -> all.add(h.hostNs()));
    return all;
  }

  Peer peer(String name) {
    Peer p = peers.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no peer '" + name + "' in this lab (peers: "
          + String.join(", ", peers.keySet()) + ")");
    }
    return p;
  }
}
