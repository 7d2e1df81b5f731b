package io.p2pquic.examples;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file arriving on one session: the header line, then exactly {@code size} bytes, written to
 * {@code .NAME.part} while their SHA-256 is computed; renamed to NAME only when size and hash match.
 * Fed by the session's {@code .data} consumer, on that consumer's context (one thread, no locks).
 */
final class IncomingFile {
  private final Vertx vertx;
  private final Path outDir;
  private final Promise<JsonObject> receipt = Promise.promise();
  private final MessageDigest digest;
  private Buffer headerBytes = Buffer.buffer();
  private FileHeader header;
  private Path partial;
  private Future<AsyncFile> file;
  /** The writes so far, chained so that they reach the disk in the order the bytes came. */
  private Future<Void> written = Future.succeededFuture();
  private long received;

  IncomingFile(Vertx vertx, Path outDir) {
    this.vertx = vertx;
    this.outDir = outDir;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Completes with what to tell the sender: {@code {"ok": true, "name", "size", "sha256", "path"}} once the
   * file is on disk and verified, or {@code {"ok": false, "error"}}.
   */
  Future<JsonObject> receipt() {
    return receipt.future();
  }

  /** The next bytes of the session's default stream. */
  void onData(Buffer bytes) {
    if (receipt.future().isComplete()) {
      return; // after a failure the rest is ignored
    }
    if (header == null) {
      readHeader(bytes);
    } else {
      onBody(bytes);
    }
  }

  /** The session ended: fine after the last byte, a failure before it. */
  void onClosed(String reason) {
    if (header == null || received < header.size()) {
      fail("the session closed after " + received + " bytes of the file: " + reason);
    }
  }

  private void readHeader(Buffer bytes) {
    headerBytes.appendBuffer(bytes);
    int newline = indexOfNewline(headerBytes);
    if (newline < 0) {
      if (headerBytes.length() > FileHeader.MAX_LINE) {
        fail("no header line in the first " + FileHeader.MAX_LINE + " bytes: not a file transfer");
      }
      return;
    }
    try {
      header = FileHeader.parse(headerBytes.getString(0, newline, StandardCharsets.UTF_8.name()));
    } catch (IllegalArgumentException e) {
      fail("bad header: " + e.getMessage());
      return;
    }
    Buffer rest = headerBytes.getBuffer(newline + 1, headerBytes.length());
    headerBytes = null;
    partial = outDir.resolve("." + header.name() + ".part");
    file = vertx.fileSystem().mkdirs(outDir.toString())
        .compose(v -> vertx.fileSystem().open(partial.toString(),
            new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true)));
    written = file.mapEmpty();
    onBody(rest); // also finishes an empty file
  }

  private void onBody(Buffer bytes) {
    received += bytes.length();
    if (received > header.size()) {
      fail("more bytes than the " + header.size() + " the header announced");
      return;
    }
    if (bytes.length() > 0) {
      digest.update(bytes.getBytes());
      written = written.compose(v -> file.result().write(bytes));
    }
    if (received == header.size()) {
      finish();
    }
  }

  private void finish() {
    String actual = HexFormat.of().formatHex(digest.digest());
    Path target = outDir.resolve(header.name());
    written.compose(v -> file.result().close())
        .compose(v -> {
          if (!actual.equals(header.sha256())) {
            return Future.failedFuture("SHA-256 differs: announced " + header.sha256() + ", received " + actual);
          }
          return vertx.fileSystem().move(partial.toString(), target.toString(), new CopyOptions().setReplaceExisting(true));
        })
        .onSuccess(v -> receipt.tryComplete(new JsonObject().put("ok", true).put("name", header.name())
            .put("size", received).put("sha256", actual).put("path", target.toAbsolutePath().toString())))
        .onFailure(err -> fail(err.getMessage()));
  }

  private void fail(String why) {
    if (!receipt.tryComplete(new JsonObject().put("ok", false).put("error", why))) {
      return;
    }
    if (file != null) { // nothing half-written stays behind
      file.compose(f -> written.otherwiseEmpty().compose(v -> f.close()))
          .otherwiseEmpty()
          .compose(v -> vertx.fileSystem().delete(partial.toString()))
          .otherwiseEmpty();
    }
  }

  private static int indexOfNewline(Buffer b) {
    for (int i = 0; i < b.length(); i++) {
      if (b.getByte(i) == '\n') {
        return i;
      }
    }
    return -1;
  }
}
