package io.p2pquic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.identity.PeerId;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs ClusteredServiceExample as a user would, against two peers on another cluster node: a clustered Vert.x
 * (its own Hazelcast member) holds alice and bob (bob echoes), as {@code p2p-node peer --cluster} would; the
 * example joins the same cluster as a second member, has alice open a session to bob, and must get every
 * message back and see the session closed.
 *
 * <p>The Hazelcast file is the shipped conf/cluster.xml with a cluster name unique to the run and one free port
 * per member, so parallel runs never join each other.
 */
@Timeout(120)
class ClusteredServiceExampleTest {
  @TempDir
  static Path dir;
  private static LoopbackRendezvous rendezvous;
  private static Vertx peersNode;
  private static PeerId alice;
  private static PeerId bob;
  private static Path serviceXml;

  @BeforeAll
  static void up() throws Exception {
    rendezvous = new LoopbackRendezvous();
    String clusterName = "p2p-examples-test-" + UUID.randomUUID();
    int[] ports = LoopbackRendezvous.freePorts(2); // the peers' member, the example's member
    Path peersXml = clusterXml("peers", clusterName, ports[0], ports);
    serviceXml = clusterXml("service", clusterName, ports[1], ports);

    peersNode = ClusteredServiceExample.joinCluster(peersXml);
    alice = ExamplePeer.deploy(peersNode, ExamplePeer.config(null, rendezvous.signalling(),
        dir.resolve("alice.json").toString(), rendezvous.stun(), true), false).await();
    bob = ExamplePeer.deploy(peersNode, ExamplePeer.config(null, rendezvous.signalling(),
        dir.resolve("bob.json").toString(), rendezvous.stun(), true), true).await();
  }

  @AfterAll
  static void down() {
    if (peersNode != null) {
      peersNode.close().await();
    }
    rendezvous.close();
  }

  @Test
  void theServiceOnAnotherNodeGetsEveryMessageBackAndClosesTheSession() throws Exception {
    CapturedOutput out = new CapturedOutput("service");
    int code = ClusteredServiceExample.run(new String[] {"--cluster-config", serviceXml.toString(),
        "--from", alice.value(), "--to", bob.value(), "--message", "hello from another node",
        "--message", "and a second one"}, out.stream(), out.stream());

    assertThat(code).as("exit code; it printed %s", out.lines()).isZero();
    assertThat(out.await("session ", 1)).contains("from " + alice.shortId()).contains("to " + bob.shortId());
    assertThat(out.lines()).contains(
        "sent \"hello from another node\", echoed \"hello from another node\"",
        "sent \"and a second one\", echoed \"and a second one\"",
        "every message came back unchanged");
    assertThat(out.await("closed: ", 1)).contains("done, said the service on another node");
  }

  @Test
  void aPeerIdThatIsNotOneIsAUsageError() {
    CapturedOutput out = new CapturedOutput("service");
    int code = ClusteredServiceExample.run(new String[] {"--cluster-config", serviceXml.toString(),
        "--from", "alice", "--to", bob.value()}, out.stream(), out.stream());
    assertThat(code).isEqualTo(2);
    assertThat(out.lines()).anyMatch(l -> l.startsWith("usage error: "));
  }

  /** conf/cluster.xml with its own cluster name, this member's port and every member listed. */
  private static Path clusterXml(String name, String clusterName, int port, int... members) throws IOException {
    String xml = Files.readString(Path.of("..", "conf", "cluster.xml"));
    String out = replace(xml, "<cluster-name>p2p-quic</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>");
    out = replace(out, "<port auto-increment=\"true\" port-count=\"10\">5701</port>",
        "<port auto-increment=\"false\">" + port + "</port>");
    StringBuilder list = new StringBuilder();
    for (int m : members) {
      list.append("<member>127.0.0.1:").append(m).append("</member>");
    }
    out = replace(out, "<member>127.0.0.1</member>", list.toString());
    Path p = dir.resolve("cluster-" + name + ".xml");
    Files.writeString(p, out);
    return p;
  }

  private static String replace(String text, String what, String with) {
    assertThat(text).as("conf/cluster.xml contains %s", what).contains(what);
    return text.replace(what, with);
  }
}
