package io.p2pquic.node.report;

import io.p2pquic.natlab.RouterNat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The NAT of the connecting host and the NAT of the peer it connects to, and what else sets the pair apart
 * ({@link Variant}): both behind one router, the peer's router mapping ports, or both with global IPv6.
 */
public record NatPair(RouterNat from, RouterNat to, Variant variant) {
  /** The lab's NAT behaviours the matrix covers (the "none" behaviour is not a NAT). */
  public static final List<RouterNat> BEHAVIOURS = List.of(
      RouterNat.FULL_CONE, RouterNat.ADDRESS_RESTRICTED, RouterNat.PORT_RESTRICTED, RouterNat.SYMMETRIC);

  /** What else a pair has beside its two NATs. */
  public enum Variant {
    /** Two routers, IPv4 only. */
    NONE(""),
    /** Both hosts on one LAN behind one router (no hairpin NAT): {@code from} and {@code to} are that router. */
    SAME_LAN("same-lan"),
    /** The peer's router runs a PCP / NAT-PMP server (miniupnpd). */
    PORT_MAPPING("port-mapping"),
    /** Both hosts also have global IPv6 behind stateful firewalls (the NATs apply to IPv4 only). */
    IPV6("ipv6");

    private final String label;

    Variant(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static Variant parse(String s) {
      for (Variant v : values()) {
        if (v != NONE && v.label.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown pair variant '" + s + "' (same-lan, port-mapping or ipv6)");
    }
  }

  public NatPair {
    if (variant == Variant.SAME_LAN && from != to) {
      throw new IllegalArgumentException("a same-lan pair has one router: FROM and TO must be the same NAT");
    }
  }

  public NatPair(RouterNat from, RouterNat to) {
    this(from, to, Variant.NONE);
  }

  /** Every unordered pair of {@link #BEHAVIOURS}, same-type pairs included (10 pairs). */
  public static List<NatPair> all() {
    List<NatPair> out = new ArrayList<>();
    for (int i = 0; i < BEHAVIOURS.size(); i++) {
      for (int j = i; j < BEHAVIOURS.size(); j++) {
        out.add(new NatPair(BEHAVIOURS.get(i), BEHAVIOURS.get(j)));
      }
    }
    return out;
  }

  /**
   * The pairs beyond two plain NATs, each on the hardest NAT (symmetric, where ICE alone fails): one
   * router for both, port mapping on the peer's router, IPv6 on both sides.
   */
  public static List<NatPair> variants() {
    return List.of(new NatPair(RouterNat.SYMMETRIC, RouterNat.SYMMETRIC, Variant.SAME_LAN),
        new NatPair(RouterNat.SYMMETRIC, RouterNat.SYMMETRIC, Variant.PORT_MAPPING),
        new NatPair(RouterNat.SYMMETRIC, RouterNat.SYMMETRIC, Variant.IPV6));
  }

  /** {@link #all()} then {@link #variants()}: the report's default. */
  public static List<NatPair> full() {
    List<NatPair> out = new ArrayList<>(all());
    out.addAll(variants());
    return out;
  }

  /** "port-restricted/symmetric", "symmetric/symmetric+port-mapping" (the NATs' CLI names, then the variant). */
  public static NatPair parse(String s) {
    String[] plus = s.trim().split("\\+", -1);
    if (plus.length > 2) {
      throw new IllegalArgumentException("a pair is FROM/TO[+VARIANT], e.g. symmetric/symmetric+port-mapping: " + s);
    }
    String[] parts = plus[0].split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("a pair is FROM/TO[+VARIANT], e.g. port-restricted/symmetric: " + s);
    }
    return new NatPair(RouterNat.parse(parts[0]), RouterNat.parse(parts[1]),
        plus.length == 2 ? Variant.parse(plus[1]) : Variant.NONE);
  }

  /** The peer's side as the report prints it: "symmetric", "symmetric+port-mapping". */
  public String toLabel() {
    return to.cliName() + (variant == Variant.NONE ? "" : "+" + variant.label());
  }

  @Override
  public String toString() {
    return from.cliName() + "/" + toLabel();
  }
}
