package io.p2pquic.node.report;

import io.p2pquic.natlab.RouterNat;
import java.util.ArrayList;
import java.util.List;

/** The NAT of the connecting host and the NAT of the peer it connects to. */
public record NatPair(RouterNat from, RouterNat to) {
  /** The lab's NAT behaviours the matrix covers (the "none" behaviour is not a NAT). */
  public static final List<RouterNat> BEHAVIOURS = List.of(
      RouterNat.FULL_CONE, RouterNat.ADDRESS_RESTRICTED, RouterNat.PORT_RESTRICTED, RouterNat.SYMMETRIC);

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

  /** "port-restricted/symmetric" (the NATs' CLI names). */
  public static NatPair parse(String s) {
    String[] parts = s.trim().split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("a pair is FROM/TO, e.g. port-restricted/symmetric: " + s);
    }
    return new NatPair(RouterNat.parse(parts[0]), RouterNat.parse(parts[1]));
  }

  @Override
  public String toString() {
    return from.cliName() + "/" + to.cliName();
  }
}
