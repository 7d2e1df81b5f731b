package io.p2pquic.natlab;

import java.time.Duration;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * nftables scripts for a lab router. Two tables of the router's own, each replaced atomically
 * ({@code nft -f} is one transaction): {@code ip natlab} makes the NAT behaviour,
 * {@code ip natlab_link} makes loss and blocked paths. See docs/natlab.md for the reasoning.
 */
final class NftRules {

  static final String NAT_TABLE = "natlab";
  static final String LINK_TABLE = "natlab_link";

  private NftRules() {
  }

  /** Default lifetime of the "contacted" set entries, matching the kernel's replied-UDP timeout. */
  static final Duration DEFAULT_SET_TIMEOUT = Duration.ofSeconds(120);

  /** Script replacing the NAT table of the router of {@code p}. */
  static String natScript(Topology.Peer p) {
    return natScript(p, 0);
  }

  /**
   * As {@link #natScript(Topology.Peer)}; after {@code rebinds} > 0 rebindings the router maps to public
   * ports from another range (20000 + 1000 x rebinds, 1000 ports), so every mapping it makes after its
   * state was flushed has a new public port, as after a router reboot or a CGNAT reassignment.
   */
  static String natScript(Topology.Peer p, int rebinds) {
    String wan = q(Topology.WAN_IF);
    String host = p.hostIp();
    long timeout = p.spec().udpTimeoutOption().orElse(DEFAULT_SET_TIMEOUT).toSeconds();
    StringBuilder sb = new StringBuilder();
    sb.append(replaceTable(NAT_TABLE));
    RouterNat nat = p.spec().nat();
    if (nat == RouterNat.NONE) {
      return sb.toString(); // plain routing: the table stays deleted
    }
    sb.append("table ip ").append(NAT_TABLE).append(" {\n");
    switch (nat) {
      case FULL_CONE:
        // endpoint-independent filtering: any remote may open a flow to a public port the host
        // has used (set keyed by protocol . public port), DNAT'ed to the host on the same port.
        sb.append(timedSet("set contacted", "inet_proto . inet_service", "timeout", timeout));
        sb.append(chain("prerouting", "nat", "prerouting", "dstnat",
            "iifname " + wan + " meta l4proto . th dport @contacted dnat to " + host));
        break;
      case ADDRESS_RESTRICTED:
        // address-dependent filtering: a remote address may open a flow to a public port the
        // host has sent to that address from (set keyed by remote address . protocol . port).
        sb.append(timedSet("set contacted", "ipv4_addr . inet_proto . inet_service", "timeout", timeout));
        sb.append(chain("prerouting", "nat", "prerouting", "dstnat",
            "iifname " + wan + " ip saddr . meta l4proto . th dport @contacted dnat to " + host));
        break;
      default:
        break;
    }
    String random = nat == RouterNat.SYMMETRIC ? " random,fully-random" : "";
    String masquerade = "oifname " + wan + " masquerade" + random;
    String remapped = null;
    if (rebinds > 0) {
      // A port range needs a transport match; other protocols (ICMP) keep the plain rule after it.
      int from = 20000 + 1000 * (rebinds % 40);
      remapped = "oifname " + wan + " meta l4proto { tcp, udp } masquerade to :" + from + "-" + (from + 999) + random;
    }
    sb.append(chain("postrouting", "nat", "postrouting", "srcnat", remapped, masquerade));
    if (nat == RouterNat.FULL_CONE) {
      // runs after masquerade: th sport is the public (mapped) port
      sb.append(chain("record", "filter", "postrouting", "srcnat + 10",
          "oifname " + wan + " meta l4proto { tcp, udp } update @contacted"
              + " { meta l4proto . th sport timeout " + timeout + "s }"));
    } else if (nat == RouterNat.ADDRESS_RESTRICTED) {
      sb.append(chain("record", "filter", "postrouting", "srcnat + 10",
          "oifname " + wan + " meta l4proto { tcp, udp } update @contacted"
              + " { ip daddr . meta l4proto . th sport timeout " + timeout + "s }"));
    }
    if (p.extras().hairpin()) {
      // Hairpin NAT (RFC 4787 section 6): every mapping is recorded as it is used (public protocol . port ->
      // the host's address . port, read from conntrack's original tuple after masquerading), and a LAN packet
      // for the public address goes through that record to the host, from the router's public address.
      String lan = q(Topology.LAN_IF);
      sb.append(timedSet("map mappings", "inet_proto . inet_service : ipv4_addr . inet_service", "dynamic,timeout",
          timeout));
      sb.append(chain("mapped", "filter", "postrouting", "srcnat + 10",
          "oifname " + wan + " meta l4proto { tcp, udp } update @mappings"
              + " { meta l4proto . th sport : ct original ip saddr . ct original proto-src }"));
      sb.append(chain("hairpin_in", "nat", "prerouting", "dstnat + 1",
          "iifname " + lan + " ip daddr " + p.wanIp() + " meta l4proto { tcp, udp }"
              + " dnat ip to meta l4proto . th dport map @mappings"));
      sb.append(chain("hairpin_out", "nat", "postrouting", "srcnat - 1",
          "oifname " + lan + " ip saddr " + p.lanSubnet() + " ct status dnat snat ip to " + p.wanIp()));
    }
    // The home-router firewall: no new flow may enter from the WAN except those the cone rules
    // DNAT'ed. Essential even for port-restricted: an unsolicited packet would otherwise create
    // a conntrack entry on the public port and the host's later outbound flow to that remote
    // would be given another port (the NAT turns symmetric). Dropping before conntrack confirms
    // the entry leaves no trace.
    boolean cone = nat == RouterNat.FULL_CONE || nat == RouterNat.ADDRESS_RESTRICTED;
    // A port-mapping router also lets in what miniupnpd's forwards DNAT (its own table holds them).
    sb.append(chain("forward", "filter", "forward", "filter",
        cone || p.portMapping() ? "iifname " + wan + " ct state new ct status dnat accept" : null,
        "iifname " + wan + " ct state new drop"));
    sb.append(chain("input", "filter", "input", "filter",
        "iifname " + wan + " ct state new drop"));
    sb.append("}\n");
    return sb.toString();
  }

  /** A LAN host's half of client isolation: nothing to or from the LAN's other hosts, the router excepted. */
  static String clientIsolationScript(Topology.Peer p) {
    String others = "ip saddr " + p.lanSubnet() + " ip saddr != " + p.lanIp();
    return "table ip natlab_isolation {}\ndelete table ip natlab_isolation\n"
        + "table ip natlab_isolation {\n"
        + chain("in", "filter", "input", "filter", others + " drop")
        + chain("out", "filter", "output", "filter", "ip daddr " + p.lanSubnet() + " ip daddr != " + p.lanIp() + " drop")
        + "}\n";
  }

  /**
   * The table miniupnpd fills on a port-mapping router ({@code upnp_table_name} and friends name it): a
   * forward chain accepting the mapped flows and NAT chains holding its DNAT rules, jumped to from hooks of
   * their own. Our NAT table's firewall still decides; it accepts DNAT'ed flows on such a router.
   */
  static String miniupnpdScript() {
    return "table inet miniupnpd {}\ndelete table inet miniupnpd\n"
        + "table inet miniupnpd {\n"
        + "  chain forward {\n    type filter hook forward priority filter - 1; policy accept;\n    jump miniupnpd\n  }\n"
        + "  chain miniupnpd {\n  }\n"
        + "  chain prerouting {\n    type nat hook prerouting priority dstnat - 1; policy accept;\n"
        + "    jump prerouting_miniupnpd\n  }\n"
        + "  chain postrouting {\n    type nat hook postrouting priority srcnat - 1; policy accept;\n"
        + "    jump postrouting_miniupnpd\n  }\n"
        + "  chain prerouting_miniupnpd {\n  }\n"
        + "  chain postrouting_miniupnpd {\n  }\n"
        + "}\n";
  }

  /**
   * Script replacing the link table: random loss on the WAN in both directions and drops of
   * traffic to/from blocked addresses. Filters before conntrack on the way in (raw priority), so
   * dropped packets leave no conntrack state.
   */
  static String linkScript(double lossPercent, Collection<String> blockedAddresses) {
    StringBuilder sb = new StringBuilder(replaceTable(LINK_TABLE));
    String wan = q(Topology.WAN_IF);
    String in1 = null;
    String out1 = null;
    if (!blockedAddresses.isEmpty()) {
      String set = blockedAddresses.stream().sorted().collect(Collectors.joining(", ", "{ ", " }"));
      in1 = "iifname " + wan + " ip saddr " + set + " drop";
      out1 = "oifname " + wan + " ip daddr " + set + " drop";
    }
    String in2 = null;
    String out2 = null;
    long perTenThousand = Math.round(lossPercent * 100);
    if (perTenThousand >= 10_000) {
      in2 = "iifname " + wan + " drop";
      out2 = "oifname " + wan + " drop";
    } else if (perTenThousand > 0) {
      in2 = "iifname " + wan + " numgen random mod 10000 < " + perTenThousand + " drop";
      out2 = "oifname " + wan + " numgen random mod 10000 < " + perTenThousand + " drop";
    }
    sb.append("table ip ").append(LINK_TABLE).append(" {\n");
    sb.append(chain("in", "filter", "prerouting", "raw", in1, in2));
    sb.append(chain("out", "filter", "postrouting", "300", out1, out2));
    sb.append("}\n");
    return sb.toString();
  }

  /** Creates-then-deletes, so that the following definition starts from nothing, atomically. */
  private static String replaceTable(String name) {
    return "table ip " + name + " {}\ndelete table ip " + name + "\n";
  }

  /**
   * A home router's IPv6 firewall (dual-stack labs): forwarded IPv6 from the LAN goes out and opens a
   * conntrack entry; from the WAN only packets of an existing flow (the same 5-tuple: address- and
   * port-dependent filtering) come in; ICMPv6 passes (neighbour discovery, PMTU).
   */
  static String ipv6FirewallScript() {
    return "table ip6 p2p_fw6 {}\ndelete table ip6 p2p_fw6\n"
        + "table ip6 p2p_fw6 {\n"
        + "  chain forward {\n"
        + "    type filter hook forward priority filter; policy drop;\n"
        + "    ct state established,related accept\n"
        + "    meta l4proto ipv6-icmp accept\n"
        + "    iifname \"" + Topology.LAN_IF + "\" accept\n"
        + "  }\n"
        + "}\n";
  }

  /** A set or map ({@code what} is "set NAME" or "map NAME") whose entries expire after {@code timeout} seconds. */
  private static String timedSet(String what, String type, String flags, long timeout) {
    return "  " + what + " {\n    type " + type + "\n    flags " + flags + "\n    timeout " + timeout + "s\n  }\n";
  }

  private static String chain(String name, String type, String hook, String priority,
      String... rules) {
    StringBuilder sb = new StringBuilder();
    sb.append("  chain ").append(name).append(" {\n")
        .append("    type ").append(type).append(" hook ").append(hook)
        .append(" priority ").append(priority).append("; policy accept;\n");
    for (String r : rules) {
      if (r != null) {
        sb.append("    ").append(r).append("\n");
      }
    }
    sb.append("  }\n");
    return sb.toString();
  }

  private static String q(String s) {
    return "\"" + s + "\"";
  }
}
