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
  record Peer(PeerSpec spec, int index, String routerNs, String hostNs, String wanIp,
      String lanIp, String hostIp) {

    String name() {
      return spec.name();
    }

    /** The router-side bridge port in the internet namespace (veth peer or TAP). */
    String bridgePort() {
      return (spec.link().needsForwarder() ? "t-" : "v-") + spec.name();
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

  final String prefix;
  final String inetNs;
  final String serverNs;
  final Map<String, Peer> peers;

  Topology(String prefix, List<PeerSpec> specs) {
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
          "203.0.113." + (100 + i), "10." + i + ".0.1", "10." + i + ".0.2"));
      i++;
    }
    this.peers = Collections.unmodifiableMap(m);
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
