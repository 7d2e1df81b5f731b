package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NAT lab and RFC 5780 discovery prove each other: our rendezvous runs in the lab's public
 * namespace with two addresses, {@code p2p-node nat-check} runs behind each NAT type (20 ms one-way
 * delay on every router's WAN), and each is classified as the lab configured it.
 */
class NatClassificationLabTest {
  private static final Map<String, RouterNat> PEERS = Map.of(
      "none", RouterNat.NONE,
      "full", RouterNat.FULL_CONE,
      "addr", RouterNat.ADDRESS_RESTRICTED,
      "port", RouterNat.PORT_RESTRICTED,
      "sym", RouterNat.SYMMETRIC);

  private static NatLab lab;
  private static LabProcesses.Running rendezvous;

  @BeforeAll
  static void up() throws Exception {
    NatLab.Builder b = NatLab.builder();
    PEERS.forEach((name, nat) -> b.peer(name, nat, LinkConditions.delayMillis(20)));
    lab = LabTestSupport.start(b);
    String primary = lab.serverAddress().getHostAddress();
    String alternate = lab.serverAlternateAddress().getHostAddress();
    rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
        "rendezvous", "--bind", primary, "--alt-address", alternate);
    assertThat(rendezvous.awaitReady(Duration.ofSeconds(60)))
        .as("rendezvous did not start in the server namespace:\n%s", rendezvous.output()).isTrue();
  }

  @AfterAll
  static void down() throws Exception {
    if (rendezvous != null) {
      rendezvous.stop();
    }
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void natCheckClassifiesEveryLabNatAsConfigured() throws Exception {
    String stun = lab.serverAddress().getHostAddress() + ":3478";
    Map<String, JsonObject> results = new ConcurrentHashMap<>();
    // All five at once: each check is its own JVM in its own host namespace.
    List<Thread> threads = PEERS.keySet().stream().map(peer -> new Thread(() -> {
      ExecResult r = lab.run(lab.hostNamespace(peer), Duration.ofSeconds(90),
          LabProcesses.node("nat-check", "--stun", stun, "--json"));
      String out = r.stdout().strip();
      String last = out.substring(out.lastIndexOf('\n') + 1);
      results.put(peer, last.startsWith("{")
          ? new JsonObject(last)
          : new JsonObject().put("error", "exit " + r.exitCode() + ": " + r.stdout() + r.stderr()));
    })).toList();
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }

    for (Map.Entry<String, RouterNat> e : PEERS.entrySet()) {
      JsonObject got = results.get(e.getKey());
      RouterNat nat = e.getValue();
      String expectedMapping = nat == RouterNat.NONE ? "NO_NAT" : nat.mapping().name();
      String expectedFiltering = nat.filtering() == RouterNat.Filtering.NONE
          ? "ENDPOINT_INDEPENDENT" : nat.filtering().name();
      assertThat(got.getString("mapping")).as("%s mapping, result %s", nat, got).isEqualTo(expectedMapping);
      assertThat(got.getString("filtering")).as("%s filtering, result %s", nat, got).isEqualTo(expectedFiltering);
      if (nat != RouterNat.NONE) {
        assertThat(got.getString("mappedAddress"))
            .as("%s: the public address is the router's WAN address", nat)
            .startsWith(lab.routerWanAddress(e.getKey()).getHostAddress() + ":");
      }
    }
  }
}
