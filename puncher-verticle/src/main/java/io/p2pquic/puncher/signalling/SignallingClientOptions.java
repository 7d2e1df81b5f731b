package io.p2pquic.puncher.signalling;

/** Timeouts and limits of a {@link SignallingClient}. */
public final class SignallingClientOptions {

  private long connectTimeoutMs = 10_000;
  private long requestTimeoutMs = 10_000;
  private int maxFrameBytes = 256 * 1024;

  /** Time for TCP + WebSocket upgrade + challenge/register (default 10 s). */
  public long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  public SignallingClientOptions setConnectTimeoutMs(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException("connectTimeoutMs must be > 0");
    }
    connectTimeoutMs = v;
    return this;
  }

  /** Time to wait for an ack, peer or pong reply (default 10 s). */
  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public SignallingClientOptions setRequestTimeoutMs(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException("requestTimeoutMs must be > 0");
    }
    requestTimeoutMs = v;
    return this;
  }

  /** Largest WebSocket frame/message accepted from the server (default 256 KiB). */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  public SignallingClientOptions setMaxFrameBytes(int v) {
    if (v <= 0) {
      throw new IllegalArgumentException("maxFrameBytes must be > 0");
    }
    maxFrameBytes = v;
    return this;
  }
}
