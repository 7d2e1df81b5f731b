package io.p2pquic.natlab;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One peer of a lab: its name, the behaviour of its router and its WAN link conditions, and
 * optionally the conntrack UDP timeout of its router (how long an idle mapping lives).
 *
 * @param name lower-case letter then letters/digits, at most 12 characters (it ends up in
 *     interface names, which Linux limits to 15)
 * @param udpTimeout null for the kernel defaults (30 s unreplied, 120 s once replied)
 */
public record PeerSpec(String name, RouterNat nat, LinkConditions link, Duration udpTimeout) {

  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,11}");

  public PeerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(nat, "nat");
    Objects.requireNonNull(link, "link");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("peer name '" + name
          + "' must be a lower-case letter followed by up to 11 lower-case letters or digits");
    }
    if (udpTimeout != null && (udpTimeout.toSeconds() < 1 || udpTimeout.toSeconds() > 86_400)) {
      throw new IllegalArgumentException("udp timeout must be 1 s .. 1 day, got " + udpTimeout);
    }
  }

  public static PeerSpec of(String name, RouterNat nat, LinkConditions link) {
    return new PeerSpec(name, nat, link, null);
  }

  public PeerSpec withUdpTimeout(Duration timeout) {
    return new PeerSpec(name, nat, link, timeout);
  }

  public PeerSpec withLink(LinkConditions conditions) {
    return new PeerSpec(name, nat, conditions, udpTimeout);
  }

  public Optional<Duration> udpTimeoutOption() {
    return Optional.ofNullable(udpTimeout);
  }
}
