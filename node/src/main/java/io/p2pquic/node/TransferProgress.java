package io.p2pquic.node;

import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bytes each way and throughput of a transfer, redrawn once a second on one stderr line while it runs
 * (only on a terminal, and not with --quiet); the totals when it ends.
 */
final class TransferProgress {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final Vertx vertx;
  private final PrintWriter err;
  private final boolean live;
  private final Supplier<String> path;
  private final long start = System.nanoTime();
  private long timer = -1;
  private long lastTotal;
  private long lastAt = start;

  private TransferProgress(Vertx vertx, PrintWriter err, boolean live, Supplier<String> path) {
    this.vertx = vertx;
    this.err = err;
    this.live = live;
    this.path = path;
  }

  /** @param path what to show as the path (direct, relay address), read at each redraw */
  static TransferProgress start(Vertx vertx, PrintWriter err, boolean quiet, Supplier<String> path) {
    TransferProgress p = new TransferProgress(vertx, err, !quiet && System.console() != null, path);
    if (p.live) {
      p.timer = vertx.setPeriodic(1_000, t -> p.draw(false));
    }
    return p;
  }

  void sent(long n) {
    sent.addAndGet(n);
  }

  void received(long n) {
    received.addAndGet(n);
  }

  long sent() {
    return sent.get();
  }

  long received() {
    return received.get();
  }

  /** Stops redrawing; prints the totals unless quiet. */
  void finish(boolean print) {
    vertx.cancelTimer(timer);
    if (live) {
      draw(true);
    } else if (print) {
      err.println(summary());
      err.flush();
    }
  }

  String summary() {
    double s = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
    return String.format(Locale.ROOT, "sent %s, received %s in %.1f s (%s/s)", size(sent.get()), size(received.get()),
        s, size((long) ((sent.get() + received.get()) / s)));
  }

  private synchronized void draw(boolean last) {
    long now = System.nanoTime();
    long total = sent.get() + received.get();
    double rate = (total - lastTotal) / Math.max(1e-9, (now - lastAt) / 1e9);
    lastTotal = total;
    lastAt = now;
    String p = path.get();
    String line = last ? summary() : String.format(Locale.ROOT, "  sent %s  received %s  %s/s%s", size(sent.get()),
        size(received.get()), size((long) rate), p == null ? "" : "  " + p);
    err.print("\r\033[K" + line + (last ? "\n" : ""));
    err.flush();
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    if (bytes < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
    return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
  }
}
