package io.p2pquic.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.identity.PeerIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs FileTransferExample as a user would: a receiver program and a sender program (each its own Vert.x and
 * peer) against a rendezvous on loopback. The file on the receiver's disk must be the sent one, byte for byte.
 */
@Timeout(120)
class FileTransferExampleTest {
  private static LoopbackRendezvous rendezvous;
  @TempDir
  Path dir;

  @BeforeAll
  static void up() throws Exception {
    rendezvous = new LoopbackRendezvous();
  }

  @AfterAll
  static void down() {
    rendezvous.close();
  }

  private String[] peerArgs(String... more) {
    String[] common = {"--rendezvous", rendezvous.signalling(), "--stun", rendezvous.stun(), "--include-loopback"};
    String[] all = new String[more.length + common.length];
    System.arraycopy(more, 0, all, 0, more.length);
    System.arraycopy(common, 0, all, more.length, common.length);
    return all;
  }

  @Test
  void theFileArrivesOnTheReceiversDiskWithTheSameSha256() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 12345]; // several 64 KiB chunks and a partial last one
    new SplittableRandom(14).nextBytes(content);
    Path file = dir.resolve("report.bin");
    Files.write(file, content);
    Path receiverKey = dir.resolve("receiver.json");
    PeerIdentity receiver = PeerIdentity.generate();
    receiver.save(receiverKey); // so the test knows the id to send to; the program loads it
    Path incoming = dir.resolve("incoming");

    CapturedOutput receiverOut = new CapturedOutput("receiver");
    CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> FileTransferExample.run(
        peerArgs("receive", "--identity", receiverKey.toString(), "--out", incoming.toString(), "--files", "1"),
        receiverOut.stream(), receiverOut.stream()));
    receiverOut.await("receiver ready: peer id " + receiver.peerId().value(), 60);

    CapturedOutput senderOut = new CapturedOutput("sender");
    int sent = FileTransferExample.run(peerArgs("send", receiver.peerId().value(), file.toString(),
        "--identity", dir.resolve("sender.json").toString()), senderOut.stream(), senderOut.stream());

    assertThat(sent).as("sender exit code; it printed %s", senderOut.lines()).isZero();
    assertThat(senderOut.await("delivered: report.bin", 1)).contains(sha256(content)).contains("confirmed by the receiver");
    assertThat(receiving.get(30, TimeUnit.SECONDS)).as("receiver exit code; it printed %s", receiverOut.lines()).isZero();
    assertThat(receiverOut.await("saved ", 1)).contains(sha256(content));

    Path received = incoming.resolve("report.bin");
    assertThat(received).exists();
    assertThat(Files.size(received)).isEqualTo(content.length);
    assertThat(sha256(Files.readAllBytes(received))).isEqualTo(sha256(content));
    try (var left = Files.list(incoming)) {
      assertThat(left.map(p -> p.getFileName().toString())).as("no .part file left").containsExactly("report.bin");
    }
  }

  @Test
  void aMisspeltConfigKeyStopsTheProgramNamingIt() throws Exception {
    Path config = dir.resolve("peer.json");
    Files.writeString(config, "{\"gathering\": {\"includeLoopbak\": true}}");
    CapturedOutput out = new CapturedOutput("sender");
    int code = FileTransferExample.run(peerArgs("send", PeerIdentity.generate().peerId().value(),
        config.toString(), "--config", config.toString(), "--identity", dir.resolve("s.json").toString()),
        out.stream(), out.stream());
    assertThat(code).isEqualTo(1);
    assertThat(out.await("error: ", 1)).contains("gathering.includeLoopbak is not a known key");
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
