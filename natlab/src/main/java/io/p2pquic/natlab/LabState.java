package io.p2pquic.natlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running lab needs to be found again by another process ({@code natlab down/status}, the
 * stale-lab cleaner): its prefix, owner, peers and forwarder pids. Written as JSON; derived data
 * (namespaces, addresses) is written too for people reading the file, and ignored when reading.
 */
record LabState(String prefix, long ownerPid, long ownerStartMillis, boolean detached,
    String createdAt, List<PeerSpec> peers, Map<String, Long> forwarderPids) {

  LabState {
    peers = List.copyOf(peers);
    forwarderPids = Map.copyOf(forwarderPids);
  }

  String toJson() {
    Topology t = new Topology(prefix, peers);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("prefix", prefix);
    root.put("createdAt", createdAt);
    root.put("ownerPid", ownerPid);
    root.put("ownerStartMillis", ownerStartMillis);
    root.put("detached", detached);
    root.put("internetNamespace", t.inetNs);
    root.put("serverNamespace", t.serverNs);
    root.put("serverAddresses", List.of(Topology.SERVER_IP, Topology.SERVER_ALT_IP));
    List<Object> ps = new ArrayList<>();
    for (Topology.Peer p : t.peers.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      PeerSpec s = p.spec();
      m.put("name", s.name());
      m.put("nat", s.nat().cliName());
      m.put("delayMs", s.link().delay().toNanos() / 1e6);
      m.put("jitterMs", s.link().jitter().toNanos() / 1e6);
      m.put("lossPercent", s.link().lossPercent());
      m.put("udpTimeoutSeconds", s.udpTimeout() == null ? null : s.udpTimeout().toSeconds());
      m.put("routerNamespace", p.routerNs());
      m.put("hostNamespace", p.hostNs());
      m.put("wanAddress", p.wanIp());
      m.put("lanAddress", p.lanIp());
      m.put("hostAddress", p.hostIp());
      m.put("forwarderPid", forwarderPids.get(s.name()));
      ps.add(m);
    }
    root.put("peers", ps);
    return Json.write(root);
  }

  static LabState fromJson(String json) {
    Object parsed = Json.parse(json);
    if (!(parsed instanceof Map)) {
      throw new IllegalArgumentException("lab state must be a JSON object");
    }
    Map<?, ?> root = (Map<?, ?>) parsed;
    List<PeerSpec> peers = new ArrayList<>();
    Map<String, Long> pids = new LinkedHashMap<>();
    for (Object o : (List<?>) require(root, "peers")) {
      Map<?, ?> m = (Map<?, ?>) o;
      String name = (String) require(m, "name");
      LinkConditions link = new LinkConditions(
          Duration.ofNanos(Math.round(num(m, "delayMs") * 1e6)),
          Duration.ofNanos(Math.round(num(m, "jitterMs") * 1e6)),
          num(m, "lossPercent"));
      Object udp = m.get("udpTimeoutSeconds");
      peers.add(new PeerSpec(name, RouterNat.parse((String) require(m, "nat")), link,
          udp == null ? null : Duration.ofSeconds(((Number) udp).longValue())));
      Object pid = m.get("forwarderPid");
      if (pid != null) {
        pids.put(name, ((Number) pid).longValue());
      }
    }
    return new LabState((String) require(root, "prefix"),
        ((Number) require(root, "ownerPid")).longValue(),
        ((Number) require(root, "ownerStartMillis")).longValue(),
        Boolean.TRUE.equals(root.get("detached")),
        String.valueOf(root.get("createdAt")), peers, pids);
  }

  static Optional<LabState> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(fromJson(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      throw new LabException("cannot read lab state " + file + ": " + e.getMessage(), e);
    }
  }

  void write(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new LabException("cannot write lab state " + file + ": " + e.getMessage(), e);
    }
  }

  private static Object require(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing '" + key + "'");
    }
    return v;
  }

  private static double num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null ? 0 : ((Number) v).doubleValue();
  }
}
