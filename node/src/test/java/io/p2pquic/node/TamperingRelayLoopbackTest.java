package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.turn.Coturn;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15: a relay that tampers with what it relays. Alice reaches coturn through a hostile middle box
 * that stands for a malicious relay: towards Alice it flips one byte in every 7th ChannelData payload and
 * injects a forged ChannelData frame (same channel, random bytes) after every 5th. The session is relayed
 * only (Alice's candidate policy "relay"), so every QUIC packet passes the tamperer. QUIC's packet
 * protection drops what was changed or forged (quiche does not count those drops; the sender resends
 * what they carried), ICE checks that were changed fail their MESSAGE-INTEGRITY, and 4 MiB arrive intact.
 */
class TamperingRelayLoopbackTest {
  private static Coturn coturn;
  private static TamperingRelay tamperer;
  /** This test relays through coturn; the rendezvous hands out no relay of its own. */
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("turn", new JsonObject().put("enabled", false)));
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;

  @BeforeAll
  static void up() throws Exception {
    coturn = Coturn.start();
    tamperer = new TamperingRelay(coturn.address());
    TurnClientOptions viaTamperer = coturn.options("alice").setPort(tamperer.port());
    alice = cast.peer("alice", false, cast.peerConfig(false)
        .setGathering(cast.gathering(false).setTurnServers(List.of(viaTamperer)))
        .setIce(new IceAgentOptions().setRelayOnly(true)));
    bob = cast.peer("bob", true, cast.peerConfig(false));
  }

  @AfterAll
  static void down() throws Exception {
    if (tamperer != null) {
      tamperer.close();
    }
    if (coturn != null) {
      coturn.close();
    }
  }

  @Test
  void changedAndForgedRelayedPacketsAreDroppedAndTheTransferArrivesIntact() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("timeoutMs", 20_000),
            new DeliveryOptions().setSendTimeout(25_000))
        .map(m -> m.body()));
    assertThat(s.getString("path")).isEqualTo("relayed");

    EchoTransfer.sendAndVerify(vertx, s, 4 * 1024 * 1024, 32 * 1024, 7, null);

    System.out.printf("tampering relay: %d relayed frames to alice, %d changed, %d forged%n",
        tamperer.frames.get(), tamperer.changed.get(), tamperer.forged.get());
    assertThat(tamperer.changed.get()).as("the tamperer changed packets of this session").isGreaterThan(50);
    assertThat(tamperer.forged.get()).as("and forged some").isGreaterThan(50);
    assertThat(await(PeerNode.echo(vertx, s, io.vertx.core.buffer.Buffer.buffer("still here"))).toString())
        .as("the session survived the tampering").isEqualTo("still here");
  }

  /**
   * A UDP middle box between one TURN client and its server. Client to server: untouched. Server to
   * client: ChannelData frames (first two bits 01, RFC 8656 section 12.4) are counted; every 7th gets one
   * payload byte flipped, and after every 5th a forged frame on the same channel (random payload of the
   * same length) follows.
   */
  static final class TamperingRelay implements AutoCloseable {
    final AtomicInteger frames = new AtomicInteger();
    final AtomicInteger changed = new AtomicInteger();
    final AtomicInteger forged = new AtomicInteger();
    private final DatagramSocket front = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    private final DatagramSocket back = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    private final SplittableRandom random = new SplittableRandom(15);
    private volatile SocketAddress client;

    TamperingRelay(InetSocketAddress server) throws IOException {
      start("tamper-up", () -> {
        DatagramPacket p = receive(front);
        client = p.getSocketAddress();
        back.send(new DatagramPacket(p.getData(), p.getLength(), server));
      });
      start("tamper-down", () -> {
        DatagramPacket p = receive(back);
        SocketAddress to = client;
        if (to == null) {
          return;
        }
        byte[] d = java.util.Arrays.copyOf(p.getData(), p.getLength());
        boolean channelData = d.length > 4 + 8 && (d[0] & 0xC0) == 0x40;
        if (!channelData) {
          front.send(new DatagramPacket(d, d.length, to));
          return;
        }
        int n = frames.incrementAndGet();
        int payload = ((d[2] & 0xFF) << 8) | (d[3] & 0xFF);
        if (n % 7 == 0 && payload > 0) {
          d[4 + random.nextInt(Math.min(payload, d.length - 4))] ^= (byte) (1 << random.nextInt(8));
          changed.incrementAndGet();
        }
        front.send(new DatagramPacket(d, d.length, to));
        if (n % 5 == 0) {
          byte[] fake = java.util.Arrays.copyOf(d, d.length);
          for (int i = 4; i < fake.length; i++) {
            fake[i] = (byte) random.nextInt(256);
          }
          front.send(new DatagramPacket(fake, fake.length, to));
          forged.incrementAndGet();
        }
      });
    }

    private interface Step {
      void run() throws IOException;
    }

    private void start(String name, Step step) {
      Thread t = new Thread(() -> {
        try {
          while (true) {
            step.run();
          }
        } catch (IOException closed) {
          // socket closed: done
        }
      }, name);
      t.setDaemon(true);
      t.start();
    }

    private static DatagramPacket receive(DatagramSocket s) throws IOException {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      s.receive(p);
      return p;
    }

    int port() {
      return front.getLocalPort();
    }

    @Override
    public void close() {
      front.close();
      back.close();
    }
  }
}
