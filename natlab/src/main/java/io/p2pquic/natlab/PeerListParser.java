package io.p2pquic.natlab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Text forms of a lab, as the command line takes them.
 *
 * <ul>
 *   <li>peers: {@code a=port-restricted,b=symmetric} (name=behaviour, comma separated; a bare
 *       name means port-restricted);
 *   <li>per-peer numbers ({@code --delay}, {@code --jitter}, {@code --loss},
 *       {@code --udp-timeout}): either one number for every peer ({@code 20}) or
 *       {@code a=20,b=5} (peers not named get 0 / the default).
 * </ul>
 */
public final class PeerListParser {

  private PeerListParser() {
  }

  /** Parses {@code a=port-restricted,b=symmetric} into specs with perfect links. */
  public static List<PeerSpec> parsePeers(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no peers given (e.g. a=port-restricted,b=symmetric)");
    }
    Map<String, PeerSpec> out = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      String it = item.trim();
      if (it.isEmpty()) {
        continue;
      }
      int eq = it.indexOf('=');
      String name = (eq < 0 ? it : it.substring(0, eq)).trim();
      RouterNat nat = eq < 0 ? RouterNat.PORT_RESTRICTED : RouterNat.parse(it.substring(eq + 1));
      if (out.containsKey(name)) {
        throw new IllegalArgumentException("peer '" + name + "' given twice");
      }
      out.put(name, PeerSpec.of(name, nat, LinkConditions.none()));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no peers given (e.g. a=port-restricted,b=symmetric)");
    }
    return new ArrayList<>(out.values());
  }

  /**
   * Parses {@code 20} (every peer) or {@code a=20,b=5} into a value per named peer. Unknown
   * peer names and negative numbers are rejected; {@code null}/blank gives an empty map.
   */
  public static Map<String, Double> parsePerPeer(String text, Collection<String> peers,
      String what) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    String t = text.trim();
    if (!t.contains("=")) {
      double v = number(t, what);
      peers.forEach(p -> out.put(p, v));
      return out;
    }
    for (String item : t.split(",")) {
      String it = item.trim();
      if (it.isEmpty()) {
        continue;
      }
      int eq = it.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(what + ": '" + it + "' should be name=value");
      }
      String name = it.substring(0, eq).trim();
      if (!peers.contains(name)) {
        throw new IllegalArgumentException(what + ": no peer named '" + name + "' (peers: "
            + String.join(", ", peers) + ")");
      }
      out.put(name, number(it.substring(eq + 1).trim(), what));
    }
    return out;
  }

  /**
   * The full command-line form: peers plus optional per-peer delay (ms), jitter (ms), loss
   * (percent) and UDP conntrack timeout (seconds); any of the last four may be null.
   */
  public static List<PeerSpec> parse(String peers, String delayMs, String jitterMs,
      String lossPercent, String udpTimeoutSeconds) {
    List<PeerSpec> specs = parsePeers(peers);
    List<String> names = new ArrayList<>();
    specs.forEach(s -> names.add(s.name()));
    Map<String, Double> delay = parsePerPeer(delayMs, names, "delay");
    Map<String, Double> jitter = parsePerPeer(jitterMs, names, "jitter");
    Map<String, Double> loss = parsePerPeer(lossPercent, names, "loss");
    Map<String, Double> udp = parsePerPeer(udpTimeoutSeconds, names, "udp-timeout");
    List<PeerSpec> out = new ArrayList<>();
    for (PeerSpec s : specs) {
      LinkConditions link = new LinkConditions(
          millis(delay.getOrDefault(s.name(), 0.0)),
          millis(jitter.getOrDefault(s.name(), 0.0)),
          loss.getOrDefault(s.name(), 0.0));
      Double timeout = udp.get(s.name());
      out.add(new PeerSpec(s.name(), s.nat(), link,
          timeout == null || timeout == 0 ? null : Duration.ofMillis(Math.round(timeout * 1000))));
    }
    return out;
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos(Math.round(ms * 1_000_000));
  }

  private static double number(String s, String what) {
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": '" + s + "' is not a number");
    }
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + ": must be a non-negative number, got " + s);
    }
    return v;
  }
}
