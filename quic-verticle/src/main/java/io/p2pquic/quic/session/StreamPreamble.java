package io.p2pquic.quic.session;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The first bytes of every stream but a session's default one: what the stream is for, so the listener
 * can route it. The opener sends it at once, which also makes the stream visible to the other side before
 * the application writes (a server-speaks-first protocol such as SSH behind a forward needs that).
 *
 * <pre>
 *  0      4        5      6           7
 *  +------+--------+------+-----------+------------------+
 *  | P2QS | ver 01 | kind | name len  | name (UTF-8, <=64)|
 *  +------+--------+------+-----------+------------------+
 * </pre>
 *
 * @param kind what the stream carries
 * @param name an optional service name (empty: the default service of that kind)
 */
public record StreamPreamble(StreamKind kind, String name) {
  public static final int VERSION = 1;
  public static final int MAX_NAME_BYTES = 64;
  /** The longest preamble: a stream whose first bytes are no preamble within this many is refused. */
  public static final int MAX_LENGTH = 7 + MAX_NAME_BYTES;
  private static final byte[] MAGIC = {'P', '2', 'Q', 'S'};

  public StreamPreamble {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("service name longer than " + MAX_NAME_BYTES + " bytes");
    }
  }

  public static StreamPreamble of(StreamKind kind) {
    return new StreamPreamble(kind, "");
  }

  public Buffer encode() {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(7 + n.length).appendBytes(MAGIC).appendByte((byte) VERSION).appendByte((byte) kind.code())
        .appendByte((byte) n.length).appendBytes(n);
  }

  /** A decoded preamble and how many bytes of the input it took (the rest is stream data). */
  public record Decoded(StreamPreamble preamble, int length) {}

  /** Why the first bytes of a stream are not a preamble. */
  public static final class MalformedPreambleException extends IllegalArgumentException {
    public MalformedPreambleException(String message) {
      super(message);
    }
  }

  /**
   * Decodes a preamble from the first bytes received on a stream.
   *
   * @return the preamble, or null if {@code in} is a valid but incomplete prefix (read more)
   * @throws MalformedPreambleException if the bytes cannot start a preamble (wrong magic or version,
   *     unknown kind, over-long or non-UTF-8 name)
   */
  public static Decoded decode(Buffer in) {
    int n = in.length();
    for (int i = 0; i < Math.min(n, MAGIC.length); i++) {
      if (in.getByte(i) != MAGIC[i]) {
        throw new MalformedPreambleException("not a stream preamble (no P2QS magic)");
      }
    }
    if (n > 4 && (in.getByte(4) & 0xFF) != VERSION) {
      throw new MalformedPreambleException("unsupported preamble version " + (in.getByte(4) & 0xFF));
    }
    if (n > 5 && StreamKind.of(in.getByte(5) & 0xFF).isEmpty()) {
      throw new MalformedPreambleException("unknown stream kind " + (in.getByte(5) & 0xFF));
    }
    if (n < 7) {
      return null;
    }
    int nameLength = in.getByte(6) & 0xFF;
    if (nameLength > MAX_NAME_BYTES) {
      throw new MalformedPreambleException("service name of " + nameLength + " bytes (at most " + MAX_NAME_BYTES + ")");
    }
    if (n < 7 + nameLength) {
      return null;
    }
    String name;
    try {
      name = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(in.getBytes(7, 7 + nameLength)))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new MalformedPreambleException("service name is not UTF-8");
    }
    return new Decoded(new StreamPreamble(StreamKind.of(in.getByte(5) & 0xFF).orElseThrow(), name), 7 + nameLength);
  }
}
