package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sends {@code total} pseudo-random bytes on a session through the event bus (one chunk in flight:
 * back-pressure), collects the echo, and asserts it arrived complete with the same SHA-256.
 */
final class EchoTransfer {
  private EchoTransfer() {}

  /** Called once, when half of the bytes have been sent (e.g. to restart ICE mid-transfer). */
  interface Midway {
    void run() throws Exception;
  }

  /** @return the seconds the transfer took */
  static double sendAndVerify(Vertx vertx, JsonObject session, int total, int chunk, long seed, Midway midway)
      throws Exception {
    PeerId local = PeerId.parse(session.getString("localPeer"));
    String id = session.getString("sessionId");
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    Promise<Long> done = Promise.promise();
    long[] count = {0};
    MessageConsumer<Buffer> c = vertx.eventBus().consumer(Addresses.sessionData(local, id), m -> {
      received.update(m.body().getBytes());
      count[0] += m.body().length();
      if (count[0] >= total) {
        done.tryComplete(count[0]);
      }
    });
    await(c.completion());
    try {
      SplittableRandom random = new SplittableRandom(seed);
      long start = System.nanoTime();
      for (int off = 0; off < total; off += chunk) {
        if (midway != null && off == (total / 2 / chunk) * chunk) {
          midway.run();
        }
        byte[] b = new byte[chunk];
        random.nextBytes(b);
        sent.update(b);
        await(vertx.eventBus().request(Addresses.sessionSend(local, id), Buffer.buffer(b)));
      }
      assertThat(done.future().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS))
          .isEqualTo((long) total);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(received.digest()).as("SHA-256 of the echo").isEqualTo(sent.digest());
      return seconds;
    } finally {
      c.unregister();
    }
  }
}
