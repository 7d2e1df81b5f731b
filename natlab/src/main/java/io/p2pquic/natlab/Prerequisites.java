package io.p2pquic.natlab;

import java.util.List;

/**
 * What the lab needs and this machine lacks. {@code missing} makes the lab impossible;
 * {@code warnings} only weaken it (e.g. no conntrack tool to flush state).
 */
public record Prerequisites(List<String> missing, List<String> warnings) {

  public Prerequisites {
    missing = List.copyOf(missing);
    warnings = List.copyOf(warnings);
  }

  public boolean satisfied() {
    return missing.isEmpty();
  }

  /** One line naming everything missing, e.g. "NAT lab needs: root (running as uid 1000); nft". */
  public String describe() {
    if (missing.isEmpty()) {
      return "NAT lab prerequisites present" + (warnings.isEmpty() ? "" : " (" + String.join("; ", warnings) + ")");
    }
    return "NAT lab needs: " + String.join("; ", missing);
  }
}
