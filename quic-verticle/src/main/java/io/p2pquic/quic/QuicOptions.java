package io.p2pquic.quic;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Transport and diagnostics options of a QUIC endpoint (docs/quic.md, "Options").
 *
 * <p>JSON keys (all optional, defaults in brackets): {@code idleTimeoutMs} [30000],
 * {@code keepAliveIntervalMs} [10000: a session that received nothing for this long sends a keepalive DATAGRAM (checked
 * every half interval), so an idle
 * session (an SSH connection nobody types in) outlives the idle timeout and NAT UDP timeouts; 0 = off],
 * {@code handshakeTimeoutMs} [10000], {@code dialerReady} ["handshake": the dialer's connect completes with its own
 * TLS handshake, one round trip; "accepted": when the listener's accept byte arrives, two round trips], {@code maxData} [16 MiB, connection flow-control window],
 * {@code maxStreamData} [4 MiB, per stream], {@code maxBidiStreams} [100], {@code maxUniStreams}
 * [100], {@code datagrams} [true, RFC 9221], {@code datagramQueueLength} [128],
 * {@code congestionControl} ["bbr" | "cubic" | "reno"], {@code udpSegments} [16: packets sent in one
 * segmentation-offload (UDP GSO) call on Linux native sockets; 0 or 1 = one system call a packet],
 * {@code discoverPmtu} [true: path MTU discovery (RFC 8899 DPLPMTUD) lets packets grow from 1200 bytes up to
 * {@code maxUdpPayloadSize} where the path carries them; false: every packet stays at 1200 bytes],
 * {@code maxUdpPayloadSize} [1350: the largest UDP payload of a QUIC packet we send or take, 1200-2048], {@code keyLog} [false],
 * {@code keyLogFile} [null: $SSLKEYLOGFILE], {@code qlogDir} [null: off]. {@link #fromJson} rejects
 * unknown keys and names them.
 */
public final class QuicOptions extends JsonDataObject {

  /** ALPN protocol id spoken on every connection. */
  public static final String ALPN = "p2p-quic/1";
  /** Packets a segmentation-offload send carries at most (Linux allows 64 a call). */
  public static final int DEFAULT_UDP_SEGMENTS = 16;
  /** RFC 9000's smallest datagram every path must carry, and where path MTU discovery starts. */
  public static final int MIN_UDP_PAYLOAD_SIZE = 1200;
  /**
   * Ceiling of path MTU discovery. The path layer moves packets between paths below QUIC (direct, relayed
   * as a TURN Send indication or ChannelData), and quiche does not discover again after such a move, so
   * the ceiling must fit the worst path it may move to: 1350 + a Send indication's 51 bytes (IPv6 peer)
   * + IPv6 and UDP headers = 1449, inside 1500-byte Ethernet, with room for a tunnel's overhead; the size
   * Google's QUIC settled on for the same reason. 1452 (ngtcp2's, quic-go's) would not survive a move to
   * a relay over IPv6.
   */
  public static final int DEFAULT_MAX_UDP_PAYLOAD_SIZE = 1350;
  /** The dialer is connected once its own handshake completed (the listener proved its identity). */
  public static final String DIALER_READY_HANDSHAKE = "handshake";
  /** The dialer is connected once the listener said it verified and accepted the dialer. */
  public static final String DIALER_READY_ACCEPTED = "accepted";

  private static final List<String> KEYS = List.of("idleTimeoutMs", "keepAliveIntervalMs", "handshakeTimeoutMs", "dialerReady",
      "maxData", "maxStreamData", "maxBidiStreams", "maxUniStreams", "datagrams", "datagramQueueLength",
      "congestionControl", "udpSegments", "discoverPmtu", "maxUdpPayloadSize", "keyLog", "keyLogFile", "qlogDir");

  public static final long DEFAULT_IDLE_TIMEOUT_MS = 30_000;
  public static final long DEFAULT_KEEP_ALIVE_INTERVAL_MS = 10_000;
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
  public static final String DEFAULT_DIALER_READY = DIALER_READY_HANDSHAKE;
  /** Connection flow-control window: 16 MiB. */
  public static final long DEFAULT_MAX_DATA = 16L << 20;
  /** Per-stream flow-control window: 4 MiB. */
  public static final long DEFAULT_MAX_STREAM_DATA = 4L << 20;
  public static final long DEFAULT_MAX_BIDI_STREAMS = 100;
  public static final long DEFAULT_MAX_UNI_STREAMS = 100;
  public static final boolean DEFAULT_DATAGRAMS = true;
  public static final int DEFAULT_DATAGRAM_QUEUE_LENGTH = 128;
  public static final String DEFAULT_CONGESTION_CONTROL = "bbr";
  public static final boolean DEFAULT_DISCOVER_PMTU = true;
  public static final boolean DEFAULT_KEY_LOG = false;
  /** Null: $SSLKEYLOGFILE. */
  public static final String DEFAULT_KEY_LOG_FILE = null;
  /** Null: no qlog. */
  public static final String DEFAULT_QLOG_DIR = null;

  private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  private long keepAliveIntervalMs = DEFAULT_KEEP_ALIVE_INTERVAL_MS;
  private long handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS;
  private String dialerReady = DEFAULT_DIALER_READY;
  private long maxData = DEFAULT_MAX_DATA;
  private long maxStreamData = DEFAULT_MAX_STREAM_DATA;
  private long maxBidiStreams = DEFAULT_MAX_BIDI_STREAMS;
  private long maxUniStreams = DEFAULT_MAX_UNI_STREAMS;
  private boolean datagrams = DEFAULT_DATAGRAMS;
  private int datagramQueueLength = DEFAULT_DATAGRAM_QUEUE_LENGTH;
  private String congestionControl = DEFAULT_CONGESTION_CONTROL;
  private int udpSegments = DEFAULT_UDP_SEGMENTS;
  private boolean discoverPmtu = DEFAULT_DISCOVER_PMTU;
  private int maxUdpPayloadSize = DEFAULT_MAX_UDP_PAYLOAD_SIZE;
  private boolean keyLog = DEFAULT_KEY_LOG;
  private String keyLogFile = DEFAULT_KEY_LOG_FILE;
  private String qlogDir = DEFAULT_QLOG_DIR;

  public QuicOptions() {}

  public QuicOptions(QuicOptions other) {
    this(other.toJson());
  }

  /** Same as {@link #fromJson(JsonObject)}. */
  public QuicOptions(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read(json, KEYS, (k, v) -> {
      switch (k) {
        case "idleTimeoutMs" -> setIdleTimeoutMs(StrictConfig.longValue(v));
        case "keepAliveIntervalMs" -> setKeepAliveIntervalMs(StrictConfig.longValue(v));
        case "handshakeTimeoutMs" -> setHandshakeTimeoutMs(StrictConfig.longValue(v));
        case "dialerReady" -> setDialerReady(StrictConfig.string(v));
        case "maxData" -> setMaxData(StrictConfig.longValue(v));
        case "maxStreamData" -> setMaxStreamData(StrictConfig.longValue(v));
        case "maxBidiStreams" -> setMaxBidiStreams(StrictConfig.longValue(v));
        case "maxUniStreams" -> setMaxUniStreams(StrictConfig.longValue(v));
        case "datagrams" -> setDatagrams(StrictConfig.bool(v));
        case "datagramQueueLength" -> setDatagramQueueLength(StrictConfig.intValue(v));
        case "congestionControl" -> setCongestionControl(StrictConfig.string(v));
        case "udpSegments" -> setUdpSegments(StrictConfig.intValue(v));
        case "discoverPmtu" -> setDiscoverPmtu(StrictConfig.bool(v));
        case "maxUdpPayloadSize" -> setMaxUdpPayloadSize(StrictConfig.intValue(v));
        case "keyLog" -> setKeyLog(StrictConfig.bool(v));
        case "keyLogFile" -> setKeyLogFile(StrictConfig.optionalString(v));
        case "qlogDir" -> setQlogDir(StrictConfig.optionalString(v));
        default -> throw new IllegalStateException(k);
      }
    });
  }

  /** Parses options, rejecting unknown keys and bad values with the key's name. */
  public static QuicOptions fromJson(JsonObject json) {
    return new QuicOptions(json);
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("idleTimeoutMs", idleTimeoutMs)
        .put("keepAliveIntervalMs", keepAliveIntervalMs)
        .put("handshakeTimeoutMs", handshakeTimeoutMs)
        .put("dialerReady", dialerReady)
        .put("maxData", maxData)
        .put("maxStreamData", maxStreamData)
        .put("maxBidiStreams", maxBidiStreams)
        .put("maxUniStreams", maxUniStreams)
        .put("datagrams", datagrams)
        .put("datagramQueueLength", datagramQueueLength)
        .put("congestionControl", congestionControl)
        .put("udpSegments", udpSegments)
        .put("discoverPmtu", discoverPmtu)
        .put("maxUdpPayloadSize", maxUdpPayloadSize)
        .put("keyLog", keyLog);
    if (keyLogFile != null) {
      j.put("keyLogFile", keyLogFile);
    }
    if (qlogDir != null) {
      j.put("qlogDir", qlogDir);
    }
    return j;
  }

  public long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  /** Idle timeout advertised to the peer (the smaller of both sides applies); 0 disables it. */
  public QuicOptions setIdleTimeoutMs(long v) {
    this.idleTimeoutMs = StrictConfig.nonNegative("idleTimeoutMs", v);
    return this;
  }

  public long keepAliveIntervalMs() {
    return keepAliveIntervalMs;
  }

  /**
   * How often a session sends a keepalive (a ping DATAGRAM the peer answers), so that neither the idle
   * timeout nor a NAT's UDP mapping timeout (30 s on many routers) ends a quiet session; 0 disables it.
   */
  public QuicOptions setKeepAliveIntervalMs(long v) {
    this.keepAliveIntervalMs = StrictConfig.nonNegative("keepAliveIntervalMs", v);
    return this;
  }

  public long handshakeTimeoutMs() {
    return handshakeTimeoutMs;
  }

  /** How long a client waits for the handshake before failing the connect future. */
  public QuicOptions setHandshakeTimeoutMs(long v) {
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("handshakeTimeoutMs must be in 1.." + Integer.MAX_VALUE + ": " + v);
    }
    this.handshakeTimeoutMs = v;
    return this;
  }

  public long maxData() {
    return maxData;
  }

  /** Connection-level flow-control window (initial_max_data). */
  public QuicOptions setMaxData(long v) {
    this.maxData = StrictConfig.nonNegative("maxData", v);
    return this;
  }

  public long maxStreamData() {
    return maxStreamData;
  }

  /** Per-stream flow-control window for bidi (local and remote) and uni streams. */
  public QuicOptions setMaxStreamData(long v) {
    this.maxStreamData = StrictConfig.nonNegative("maxStreamData", v);
    return this;
  }

  public long maxBidiStreams() {
    return maxBidiStreams;
  }

  /** How many bidirectional streams the peer may open (initial_max_streams_bidi). */
  public QuicOptions setMaxBidiStreams(long v) {
    this.maxBidiStreams = StrictConfig.nonNegative("maxBidiStreams", v);
    return this;
  }

  public long maxUniStreams() {
    return maxUniStreams;
  }

  /** How many unidirectional streams the peer may open (initial_max_streams_uni). */
  public QuicOptions setMaxUniStreams(long v) {
    this.maxUniStreams = StrictConfig.nonNegative("maxUniStreams", v);
    return this;
  }

  public boolean datagrams() {
    return datagrams;
  }

  /** Offer RFC 9221 unreliable datagrams (both sides must, or sending fails). */
  public QuicOptions setDatagrams(boolean v) {
    this.datagrams = v;
    return this;
  }

  public int datagramQueueLength() {
    return datagramQueueLength;
  }

  /** Receive and send queue length for datagrams inside quiche. */
  public QuicOptions setDatagramQueueLength(int v) {
    if (v < 1) {
      throw new IllegalArgumentException("datagramQueueLength must be >= 1: " + v);
    }
    this.datagramQueueLength = v;
    return this;
  }

  public String congestionControl() {
    return congestionControl;
  }

  public String dialerReady() {
    return dialerReady;
  }

  /**
   * When a dialer's connect completes (docs/quic.md, "Readiness"): {@code "handshake"} (default) once its own
   * TLS handshake completed, one round trip, as TLS 1.3 clients do: the listener proved its identity, and a
   * listener that then refuses the dialer closes the connection with the reason one round trip later;
   * {@code "accepted"} once the listener's accept byte arrived, two round trips: a refused dialer sees a
   * failed connect instead.
   */
  public QuicOptions setDialerReady(String v) {
    Objects.requireNonNull(v, "dialerReady");
    if (!DIALER_READY_HANDSHAKE.equals(v) && !DIALER_READY_ACCEPTED.equals(v)) {
      throw new IllegalArgumentException("dialerReady must be handshake or accepted: " + v);
    }
    this.dialerReady = v;
    return this;
  }

  /** "bbr" (default: random loss does not read as congestion), "cubic" or "reno". */
  public QuicOptions setCongestionControl(String v) {
    Objects.requireNonNull(v, "congestionControl");
    String lower = v.toLowerCase(Locale.ROOT);
    if (!Set.of("cubic", "reno", "bbr").contains(lower)) {
      throw new IllegalArgumentException("congestionControl must be cubic, reno or bbr: " + v);
    }
    this.congestionControl = lower;
    return this;
  }

  public boolean discoverPmtu() {
    return discoverPmtu;
  }

  /**
   * Whether packets may grow past 1200 bytes once a padded probe of the larger size was acknowledged
   * (RFC 8899 DPLPMTUD, quiche's): fewer packets, so less CPU a byte, on paths that carry them.
   */
  public QuicOptions setDiscoverPmtu(boolean v) {
    this.discoverPmtu = v;
    return this;
  }

  public int maxUdpPayloadSize() {
    return maxUdpPayloadSize;
  }

  /**
   * Ceiling of path MTU discovery and the largest datagram we say we take (transport parameter
   * max_udp_payload_size); at most the receive slot of a batched read ({@link DatagramSockets#RECEIVE_SLOT_BYTES}).
   */
  public QuicOptions setMaxUdpPayloadSize(int v) {
    this.maxUdpPayloadSize = (int) StrictConfig.inRange("maxUdpPayloadSize", v, MIN_UDP_PAYLOAD_SIZE,
        DatagramSockets.RECEIVE_SLOT_BYTES);
    return this;
  }

  public int udpSegments() {
    return udpSegments;
  }

  /**
   * How many QUIC packets one send may hand the kernel at once with UDP generic segmentation offload
   * (Linux 4.18+, native epoll sockets only; elsewhere each packet is its own system call). A bulk
   * transfer otherwise pays one sendto per 1.2-1.4 KB packet. 0 or 1 turns it off, for a path whose
   * driver refuses offloaded sends.
   */
  public QuicOptions setUdpSegments(int v) {
    this.udpSegments = (int) StrictConfig.inRange("udpSegments", v, 0, 64);
    return this;
  }

  public boolean keyLog() {
    return keyLog;
  }

  /**
   * Write TLS secrets in NSS key log format (for Wireshark) to {@link #keyLogFile()}, or to the file
   * named by {@code SSLKEYLOGFILE}. Off by default: anyone who reads the file can decrypt traffic.
   */
  public QuicOptions setKeyLog(boolean v) {
    this.keyLog = v;
    return this;
  }

  public String keyLogFile() {
    return keyLogFile;
  }

  /** Key log path; null: the {@code SSLKEYLOGFILE} environment variable. */
  public QuicOptions setKeyLogFile(String v) {
    this.keyLogFile = v == null || v.isEmpty() ? null : v;
    return this;
  }

  public String qlogDir() {
    return qlogDir;
  }

  /** Directory for one qlog file per connection (created if missing); null: no qlog. */
  public QuicOptions setQlogDir(String v) {
    this.qlogDir = v == null || v.isEmpty() ? null : v;
    return this;
  }

  /** The key log path in effect: {@link #keyLogFile()}, else $SSLKEYLOGFILE, else null. */
  public String effectiveKeyLogFile() {
    if (!keyLog) {
      return null;
    }
    if (keyLogFile != null) {
      return keyLogFile;
    }
    String env = System.getenv("SSLKEYLOGFILE");
    return env == null || env.isEmpty() ? null : env;
  }

}
