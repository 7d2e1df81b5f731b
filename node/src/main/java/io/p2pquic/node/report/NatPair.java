package io.p2pquic.node.report;

import io.p2pquic.natlab.NatType;
import java.util.ArrayList;
import java.util.List;

/** The NAT of the connecting host and the NAT of the peer it connects to. */
public record NatPair(NatType from, NatType to) {
  /** The lab's NAT behaviours the matrix covers (the "none" behaviour is not a NAT). */
  public static final List<NatType> BEHAVIOURS = List.of(
      NatType.FULL_CONE, NatType.ADDRESS_RESTRICTED, NatType.PORT_RESTRICTED, NatType.SYMMETRIC);

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
    return new NatPair(NatType.parse(parts[0]), NatType.parse(parts[1]));
  }

  @Override
  public String toString() {
    return from.cliName() + "/" + to.cliName();
  }
}
