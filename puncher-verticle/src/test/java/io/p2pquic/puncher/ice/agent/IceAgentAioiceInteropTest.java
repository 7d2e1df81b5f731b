package io.p2pquic.puncher.ice.agent;

import static io.p2pquic.puncher.stun.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.RealPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interop with an ICE agent nobody here wrote: aioice (Debian's python3-aioice, importable by
 * /usr/bin/python3 only). The two exchange PeerDescription JSON over the script's stdin/stdout and
 * must select the same pair whichever side controls. Skipped when aioice is not installed.
 */
class IceAgentAioiceInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final String SCRIPT = """
      import asyncio, json, sys
      import aioice

      async def main():
          controlling = sys.argv[1] == "controlling"
          conn = aioice.Connection(ice_controlling=controlling, components=1, use_ipv6=False)
          await conn.gather_candidates()
          print("DESC " + json.dumps({"ufrag": conn.local_username, "pwd": conn.local_password,
              "candidates": [c.to_sdp() for c in conn.local_candidates], "complete": True}), flush=True)
          remote = json.loads(await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline))
          conn.remote_username = remote["ufrag"]
          conn.remote_password = remote["pwd"]
          for s in remote["candidates"]:
              await conn.add_remote_candidate(aioice.Candidate.from_sdp(s))
          await conn.add_remote_candidate(None)
          try:
              await asyncio.wait_for(conn.connect(), 10)
          except Exception as e:
              print("FAILED " + repr(e), flush=True)
              return
          pair = conn._nominated[1]
          print("CONNECTED %s:%d %s:%d" % (pair.local_candidate.host, pair.local_candidate.port,
              pair.remote_candidate.host, pair.remote_candidate.port), flush=True)
          await asyncio.sleep(1.5)
          await conn.close()

      asyncio.run(main())
      """;

  private final Vertx vertx = Vertx.vertx();
  private Process python;

  @AfterEach
  void tearDown() throws Exception {
    if (python != null) {
      python.destroyForcibly();
    }
    await(vertx.close());
  }

  static boolean aioiceAvailable() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import aioice").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** Skips with the reason on a developer machine; under CI=true interop must run, so it fails instead. */
  private static void requireOrSkip(boolean available, String reason) {
    RealPeers.require(available, reason);
  }

  @ParameterizedTest(name = "our agent {0}")
  @EnumSource(IceRole.class)
  void selectsTheSamePairAsAioice(IceRole ourRole) throws Exception {
    requireOrSkip(aioiceAvailable(), "aioice is not importable by " + PYTHON + " (apt-get install python3-aioice)");
    Path script = Files.createTempFile("aioice-interop", ".py");
    Files.writeString(script, SCRIPT);
    String theirRole = ourRole == IceRole.CONTROLLING ? "controlled" : "controlling";
    python = new ProcessBuilder(PYTHON, script.toString(), theirRole).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    assertThat(first).as("aioice description").startsWith("DESC ");
    PeerDescription theirs = PeerDescription.fromJson(new JsonObject(first.substring(5)));
    requireOrSkip(!theirs.candidates().isEmpty(), "aioice found no non-loopback IPv4 address to gather");

    // Bind our socket on the IP of their first host candidate: the same machine, a routable address.
    String ip = SocketAddresses.formatIp(theirs.candidates().get(0).address().getAddress());
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    NettyUdpEndpoint socket = await(NettyUdpEndpoint.bind(vertx, ip, 0, metrics));
    try {
      StunClient client = new StunClient(vertx, socket, metrics);
      IceCredentials ours = IceCredentials.random();
      IceAgent agent = new IceAgent(vertx, new IceAgentOptions()
          .setTaMillis(20)
          .setNominationWaitMillis(200)
          .setCheckRetransmit(new RetransmitPolicy(Duration.ofMillis(100), 6, 4, Duration.ofMillis(800)))
          .setCheckingTimeoutMillis(10_000), ourRole, ours, metrics);
      client.installAsHandler(agent.incomingHandler(client));
      Candidate host = Candidate.host(socket.localAddress(), 65535, 1);
      agent.addLocalCandidate(host, client).localCandidatesComplete();
      Writer in = new OutputStreamWriter(python.getOutputStream(), StandardCharsets.UTF_8);
      in.write(new PeerDescription(ours, List.of(host), true).toJson().encode() + "\n");
      in.flush();

      agent.setRemoteCredentials(theirs.credentials());
      theirs.candidates().forEach(agent::addRemoteCandidate);
      agent.remoteCandidatesComplete();

      CandidatePair pair = await(agent.selected(), 15);
      String line = out.readLine();
      assertThat(line).as("aioice outcome").startsWith("CONNECTED ");
      String[] parts = line.split(" ");
      assertThat(parts[1]).as("aioice's local is our remote").isEqualTo(SocketAddresses.format(pair.remote().address()));
      assertThat(parts[2]).as("aioice's remote is our local").isEqualTo(SocketAddresses.format(pair.local().address()));
      assertThat(agent.role()).isEqualTo(ourRole);
      assertThat(agent.state()).isEqualTo(IceAgentState.COMPLETED);
      assertThat(metrics.find("p2p.ice.rejected").counters()).allMatch(c -> c.count() == 0);
      await(agent.close());
    } finally {
      await(socket.close());
      Files.deleteIfExists(script);
    }
  }
}
