package io.p2pquic.identity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A peer's identity on the wire: derived from its long-term Ed25519 public key, so whoever proves
 * possession of the private key owns the id (the way libp2p derives peer ids).
 *
 * <p>Text form (canonical, case-sensitive): {@code "pq1"} followed by the lowercase RFC 4648 base32
 * encoding, without padding, of SHA-256 over the raw 32-byte Ed25519 public key (RFC 8032
 * encoding). That is 3 + 52 = 55 characters from {@code [a-z2-7]} after the prefix, e.g.
 * {@code pq1eh7ddx5bksrgcytl7bkai36se4nxx3klnk7elksyq57pi74xeg4q} for the RFC 8032 test-1 key.
 * The prefix names the scheme ("p2p-quic, version 1"); the id contains only characters that are
 * safe in URLs, file names and Vert.x event-bus addresses.
 *
 * <p>Instances are immutable values: equal ids have equal text.
 */
public final class PeerId implements Comparable<PeerId> {

  /** Scheme prefix of every peer id. */
  public static final String PREFIX = "pq1";
  /** Number of base32 characters after the prefix (ceil(256 / 5)). */
  public static final int ENCODED_HASH_LENGTH = 52;
  /** Total length of a peer id string. */
  public static final int LENGTH = PREFIX.length() + ENCODED_HASH_LENGTH;

  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private final String text;
  private final byte[] hash;

  private PeerId(String text, byte[] hash) {
    this.text = text;
    this.hash = hash;
  }

  /** The first 12 characters and an ellipsis, for logs and tables (the full id stays in JSON output). */
  public String shortId() {
    return value().substring(0, 12) + "\u2026";
  }

  /** Derives the id of an Ed25519 public key. */
  public static PeerId of(PublicKey publicKey) {
    return ofRawPublicKey(Ed25519Keys.rawPublicKey(publicKey));
  }

  /** Derives the id from a raw 32-byte Ed25519 public key (RFC 8032 encoding). */
  public static PeerId ofRawPublicKey(byte[] rawPublicKey) {
    Objects.requireNonNull(rawPublicKey, "rawPublicKey");
    if (rawPublicKey.length != Ed25519Keys.RAW_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "raw Ed25519 public key must be 32 bytes, got " + rawPublicKey.length);
    }
    byte[] digest = sha256(rawPublicKey);
    return new PeerId(PREFIX + base32(digest), digest);
  }

  /**
   * Parses the canonical text form.
   *
   * @throws InvalidPeerIdException if the string is null, has the wrong prefix or length, contains
   *     characters outside {@code [a-z2-7]} (upper case included), or is not the canonical encoding
   *     (non-zero trailing bits)
   */
  public static PeerId parse(String text) {
    if (text == null) {
      throw new InvalidPeerIdException(null, "null");
    }
    if (!text.startsWith(PREFIX)) {
      throw new InvalidPeerIdException(text, "missing prefix \"" + PREFIX + "\"");
    }
    if (text.length() != LENGTH) {
      throw new InvalidPeerIdException(text, "length " + text.length() + ", must be " + LENGTH);
    }
    byte[] hash = new byte[32];
    long buffer = 0;
    int bits = 0;
    int out = 0;
    for (int i = PREFIX.length(); i < text.length(); i++) {
      char c = text.charAt(i);
      int v;
      if (c >= 'a' && c <= 'z') {
        v = c - 'a';
      } else if (c >= '2' && c <= '7') {
        v = c - '2' + 26;
      } else {
        throw new InvalidPeerIdException(text, "character '" + c + "' at index " + i
            + " is not lowercase base32");
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        hash[out++] = (byte) (buffer >>> bits);
        buffer &= (1L << bits) - 1;
      }
    }
    if (buffer != 0) {
      throw new InvalidPeerIdException(text, "not canonical: trailing bits of the last character must be zero");
    }
    return new PeerId(text, hash);
  }

  /** Like {@link #parse(String)} but returns null instead of throwing. */
  public static PeerId tryParse(String text) {
    try {
      return parse(text);
    } catch (InvalidPeerIdException e) {
      return null;
    }
  }

  /** Whether this id was derived from the given public key. */
  public boolean matches(PublicKey publicKey) {
    try {
      return MessageDigest.isEqual(hash, sha256(Ed25519Keys.rawPublicKey(publicKey)));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The 32-byte SHA-256 of the raw public key (a copy). */
  public byte[] hash() {
    return hash.clone();
  }

  /** The canonical text form. */
  public String value() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId && ((PeerId) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public int compareTo(PeerId other) {
    return text.compareTo(other.text);
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 not available", e);
    }
  }

  static String base32(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        sb.append(ALPHABET[(buffer >>> bits) & 0x1f]);
      }
      buffer &= (1 << bits) - 1;
    }
    if (bits > 0) {
      sb.append(ALPHABET[(buffer << (5 - bits)) & 0x1f]);
    }
    return sb.toString();
  }
}
