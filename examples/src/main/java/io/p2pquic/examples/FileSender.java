package io.p2pquic.examples;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * The sending side of the file transfer, through the event-bus API of a peer in this JVM: connect, send a
 * header line and the file in chunks (each one sent when the previous one is written), read the receiver's
 * receipt, close.
 */
public final class FileSender {
  /** Bytes per {@code .send} request; each one waits for the previous one's reply. */
  static final int CHUNK = 64 * 1024;

  private final Vertx vertx;
  private final EventBus bus;
  private final PeerId local;
  private final Consumer<String> print;
  private final Buffer fromReceiver = Buffer.buffer();
  private final Promise<JsonObject> receipt = Promise.promise();

  private FileSender(Vertx vertx, PeerId local, Consumer<String> print) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.local = local;
    this.print = print;
  }

  /**
   * Sends {@code file} from {@code local} (a peer deployed in this Vert.x) to {@code to}, and completes with
   * the receiver's receipt ({@code {"ok": true, "size", "sha256", ...}}) when it confirmed the file, or fails.
   */
  public static Future<JsonObject> send(Vertx vertx, PeerId local, PeerId to, Path file, long timeoutMs,
      Consumer<String> print) {
    Promise<JsonObject> done = Promise.promise();
    // One context for the data consumer and every callback: no two of them run at once.
    vertx.getOrCreateContext().runOnContext(v -> new FileSender(vertx, local, print).run(to, file, timeoutMs)
        .onComplete(done));
    return done.future();
  }

  private Future<JsonObject> run(PeerId to, Path path, long timeoutMs) {
    // Size and SHA-256 first (reading a file blocks: a worker thread does it, not the event loop).
    return vertx.executeBlocking(() -> header(path))
        .compose(header -> bus.<JsonObject>request(Addresses.peerConnect(local),
                new JsonObject().put("peer", to.value()).put("timeoutMs", timeoutMs),
                new DeliveryOptions().setSendTimeout(timeoutMs + 10_000))
            .compose(reply -> {
              String sessionId = reply.body().getString("sessionId");
              print.accept("session " + sessionId + " to " + to.shortId() + " (" + reply.body().getString("path")
                  + "); sending " + header.name() + ", " + header.size() + " bytes");
              return transfer(sessionId, header, path, timeoutMs)
                  .compose(r -> close(sessionId, "file sent").map(r),
                      err -> close(sessionId, "transfer failed").transform(x -> Future.failedFuture(err)));
            }));
  }

  private Future<JsonObject> transfer(String sessionId, FileHeader header, Path path, long timeoutMs) {
    // The receipt comes back on the session's data: subscribe before the first byte goes out.
    MessageConsumer<Buffer> data = bus.consumer(Addresses.sessionData(local, sessionId), m -> fromReceiver(m.body()));
    long started = System.nanoTime();
    return data.completion()
        .compose(v -> bus.request(Addresses.sessionSend(local, sessionId), header.toLine()))
        .compose(v -> vertx.fileSystem().open(path.toString(), new OpenOptions().setRead(true)))
        .compose(file -> sendChunks(sessionId, file, 0, header.size())
            .eventually(() -> file.close()))
        .compose(v -> {
          print.accept(String.format("%d bytes written in %.2f s; waiting for the receiver's check",
              header.size(), (System.nanoTime() - started) / 1e9));
          long timer = vertx.setTimer(timeoutMs, t -> receipt.tryFail("no receipt within " + timeoutMs + " ms"));
          return receipt.future().onComplete(x -> vertx.cancelTimer(timer));
        })
        .compose(r -> r.getBoolean("ok", false) && header.sha256().equals(r.getString("sha256"))
            ? Future.succeededFuture(r)
            : Future.failedFuture("the receiver did not confirm the file: " + r.encode()))
        .eventually(() -> data.unregister());
  }

  /**
   * Reads a chunk, sends it, and only when the peer's reply says it is written reads the next one: one
   * request in flight, so a slow path slows the reading instead of filling memory.
   */
  private Future<Void> sendChunks(String sessionId, AsyncFile file, long position, long size) {
    if (position >= size) {
      return Future.succeededFuture();
    }
    int length = (int) Math.min(CHUNK, size - position);
    return file.read(Buffer.buffer(length), 0, position, length)
        .compose(chunk -> bus.request(Addresses.sessionSend(local, sessionId), chunk))
        .compose(written -> sendChunks(sessionId, file, position + length, size));
  }

  /** The receipt is one line of JSON. */
  private void fromReceiver(Buffer bytes) {
    fromReceiver.appendBuffer(bytes);
    String text = fromReceiver.toString(StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    if (newline >= 0) {
      try {
        receipt.tryComplete(new JsonObject(text.substring(0, newline)));
      } catch (RuntimeException e) {
        receipt.tryFail("the receiver answered something that is not a receipt: " + text.substring(0, newline));
      }
    }
  }

  /** Closes the session; a session already gone is fine (the outcome is decided by then). */
  private Future<Void> close(String sessionId, String reason) {
    return bus.request(Addresses.sessionClose(local, sessionId), new JsonObject().put("reason", reason))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  /** Name, size and SHA-256 of the file (blocking). */
  static FileHeader header(Path path) throws java.io.IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long size = 0;
    try (InputStream in = Files.newInputStream(path)) {
      byte[] buf = new byte[CHUNK];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
        size += n;
      }
    }
    return new FileHeader(path.getFileName().toString(), size, HexFormat.of().formatHex(sha.digest()));
  }
}
