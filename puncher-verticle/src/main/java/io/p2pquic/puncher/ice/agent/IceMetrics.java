package io.p2pquic.puncher.ice.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's Micrometer counters (all {@code p2p.ice.*}):
 *
 * <ul>
 *   <li>{@code p2p.ice.checks.sent{kind=ordinary|triggered|nomination|consent}}
 *   <li>{@code p2p.ice.checks.succeeded{kind}}
 *   <li>{@code p2p.ice.checks.failed{reason=timeout|send-failed|error-response|asymmetric|no-mapped-address|forged}}
 *   <li>{@code p2p.ice.requests.received} (authenticated checks answered with a success response)
 *   <li>{@code p2p.ice.rejected{reason=missing-credentials|unknown-username|bad-integrity|missing-attribute|unknown-attribute|role-conflict}}
 *       (requests answered with 400, 401, 420 or 487)
 *   <li>{@code p2p.ice.dropped{reason=bad-response-integrity|stale-generation|no-local-candidate|unsupported-candidate|undecodable|not-ice}}
 *   <li>{@code p2p.ice.indications.received}, {@code p2p.ice.keepalives.sent}
 *   <li>{@code p2p.ice.prflx{side=local|remote}}, {@code p2p.ice.role.switches}, {@code p2p.ice.nominated},
 *       {@code p2p.ice.selected}
 *   <li>{@code p2p.ice.consent{outcome=disconnected|restored|lost}}
 *   <li>{@code p2p.ice.failed{reason=all-pairs-failed|timeout|consent-lost}}
 * </ul>
 */
final class IceMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  IceMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void increment(String name) {
    counters.computeIfAbsent(name, n -> registry.counter(n)).increment();
  }

  void increment(String name, String tag, String value) {
    counters.computeIfAbsent(name + '|' + tag + '=' + value, k -> registry.counter(name, tag, value)).increment();
  }

  void checkSent(String kind) {
    increment("p2p.ice.checks.sent", "kind", kind);
  }

  void checkSucceeded(String kind) {
    increment("p2p.ice.checks.succeeded", "kind", kind);
  }

  void checkFailed(String reason) {
    increment("p2p.ice.checks.failed", "reason", reason);
  }

  void rejected(String reason) {
    increment("p2p.ice.rejected", "reason", reason);
  }

  void dropped(String reason) {
    increment("p2p.ice.dropped", "reason", reason);
  }
}
