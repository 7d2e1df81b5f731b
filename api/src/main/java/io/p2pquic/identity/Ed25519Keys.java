package io.p2pquic.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Encoding helpers for Ed25519 keys (JDK provider, algorithm name {@code "Ed25519"}).
 *
 * <p>Wire form of a public key: standard base64 (RFC 4648, with padding) of the X.509
 * SubjectPublicKeyInfo DER encoding, which for Ed25519 is always 44 bytes: the fixed 12-byte
 * header {@code 302a300506032b6570032100} followed by the raw 32-byte key.
 */
public final class Ed25519Keys {

  /** Length of a raw Ed25519 public key or private seed. */
  public static final int RAW_KEY_LENGTH = 32;
  /** Length of an Ed25519 signature. */
  public static final int SIGNATURE_LENGTH = 64;

  private static final byte[] SPKI_PREFIX = hex("302a300506032b6570032100");
  private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");

  private Ed25519Keys() {
  }

  /** The raw 32-byte key inside an Ed25519 public key. */
  public static byte[] rawPublicKey(PublicKey key) {
    Objects.requireNonNull(key, "publicKey");
    byte[] enc = key.getEncoded();
    if (enc == null || enc.length != SPKI_PREFIX.length + RAW_KEY_LENGTH
        || !Arrays.equals(enc, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key (algorithm "
          + key.getAlgorithm() + ", format " + key.getFormat() + ")");
    }
    return Arrays.copyOfRange(enc, SPKI_PREFIX.length, enc.length);
  }

  /** Builds a public key from its raw 32-byte RFC 8032 encoding. */
  public static PublicKey publicKeyFromRaw(byte[] raw) {
    Objects.requireNonNull(raw, "raw");
    if (raw.length != RAW_KEY_LENGTH) {
      throw new IllegalArgumentException("raw Ed25519 public key must be 32 bytes, got " + raw.length);
    }
    return publicKeyFromSpki(concat(SPKI_PREFIX, raw));
  }

  /** Builds a private key from its raw 32-byte RFC 8032 seed. */
  public static PrivateKey privateKeyFromRaw(byte[] seed) {
    Objects.requireNonNull(seed, "seed");
    if (seed.length != RAW_KEY_LENGTH) {
      throw new IllegalArgumentException("raw Ed25519 private key must be 32 bytes, got " + seed.length);
    }
    return privateKeyFromPkcs8(concat(PKCS8_PREFIX, seed));
  }

  /**
   * Decodes an X.509 SubjectPublicKeyInfo DER encoded Ed25519 public key. Keys that are not canonical
   * encodings of a curve point, or whose point has small order, are refused ({@link #requireStrict}).
   */
  public static PublicKey publicKeyFromSpki(byte[] spki) {
    Objects.requireNonNull(spki, "spki");
    if (spki.length != SPKI_PREFIX.length + RAW_KEY_LENGTH
        || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new IllegalArgumentException(
          "not an Ed25519 SubjectPublicKeyInfo (expected 44 bytes starting 302a300506032b6570032100)");
    }
    requireStrict(Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length));
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid Ed25519 public key: " + e.getMessage(), e);
    }
  }

  /** Decodes a PKCS#8 DER encoded Ed25519 private key. */
  public static PrivateKey privateKeyFromPkcs8(byte[] pkcs8) {
    Objects.requireNonNull(pkcs8, "pkcs8");
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid Ed25519 private key: " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a public key from bytes that are either the 44-byte SubjectPublicKeyInfo or the raw
   * 32-byte key.
   */
  public static PublicKey decodePublicKey(byte[] encoded) {
    Objects.requireNonNull(encoded, "encoded");
    if (encoded.length == RAW_KEY_LENGTH) {
      return publicKeyFromRaw(encoded);
    }
    return publicKeyFromSpki(encoded);
  }

  /** Decodes the wire form (base64 of SubjectPublicKeyInfo; base64 of the raw key is accepted too). */
  public static PublicKey decodePublicKey(String base64) {
    Objects.requireNonNull(base64, "base64");
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("public key is not valid base64: " + e.getMessage(), e);
    }
    return decodePublicKey(bytes);
  }

  /** The wire form: base64 of the SubjectPublicKeyInfo. */
  public static String encodePublicKey(PublicKey key) {
    return Base64.getEncoder().encodeToString(concat(SPKI_PREFIX, rawPublicKey(key)));
  }

  // ---- strict key checks (the rules libsodium applies to public keys) ------------------------------

  private static final java.math.BigInteger P = java.math.BigInteger.TWO.pow(255).subtract(java.math.BigInteger.valueOf(19));
  private static final java.math.BigInteger D = java.math.BigInteger.valueOf(-121665)
      .multiply(java.math.BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final java.math.BigInteger SQRT_M1 =
      java.math.BigInteger.TWO.modPow(P.subtract(java.math.BigInteger.ONE).shiftRight(2), P);

  /**
   * Refuses a raw public key that is not the canonical encoding of a point on the curve (y >= p, or
   * "negative zero" x), or whose point has small order (8·A is the identity). With a small-order key
   * a signature that verifies can be made for any message without a private key (the identity point
   * with a forged signature registered a peer id), so signalling and the TLS peer certificates both
   * refuse such keys.
   *
   * @throws IllegalArgumentException saying which rule the key breaks
   */
  public static void requireStrict(byte[] raw) {
    Objects.requireNonNull(raw, "raw");
    if (raw.length != RAW_KEY_LENGTH) {
      throw new IllegalArgumentException("raw Ed25519 public key must be 32 bytes, got " + raw.length);
    }
    byte[] be = new byte[RAW_KEY_LENGTH];
    for (int i = 0; i < RAW_KEY_LENGTH; i++) {
      be[i] = raw[RAW_KEY_LENGTH - 1 - i];
    }
    boolean xOdd = (be[0] & 0x80) != 0;
    be[0] &= 0x7f;
    java.math.BigInteger y = new java.math.BigInteger(1, be);
    if (y.compareTo(P) >= 0) {
      throw new IllegalArgumentException("Ed25519 public key is not canonical (y >= 2^255-19)");
    }
    // RFC 8032 section 5.1.3: x from y.
    java.math.BigInteger y2 = y.multiply(y).mod(P);
    java.math.BigInteger u = y2.subtract(java.math.BigInteger.ONE).mod(P);
    java.math.BigInteger v = D.multiply(y2).add(java.math.BigInteger.ONE).mod(P);
    java.math.BigInteger x = u.multiply(v.modInverse(P))
        .modPow(P.add(java.math.BigInteger.valueOf(3)).shiftRight(3), P);
    java.math.BigInteger vx2 = v.multiply(x).multiply(x).mod(P);
    if (!vx2.equals(u)) {
      if (vx2.equals(u.negate().mod(P))) {
        x = x.multiply(SQRT_M1).mod(P);
      } else {
        throw new IllegalArgumentException("Ed25519 public key is not a point on the curve");
      }
    }
    if (x.signum() == 0 && xOdd) {
      throw new IllegalArgumentException("Ed25519 public key is not canonical (negative zero x)");
    }
    if (x.testBit(0) != xOdd) {
      x = P.subtract(x);
    }
    java.math.BigInteger[] q = {x, y};
    for (int i = 0; i < 3; i++) {
      q = add(q, q);
    }
    if (q[0].signum() == 0 && q[1].equals(java.math.BigInteger.ONE)) {
      throw new IllegalArgumentException("Ed25519 public key has small order (a forged signature would verify)");
    }
  }

  /** Twisted Edwards addition (a = -1), complete for points on the curve. */
  private static java.math.BigInteger[] add(java.math.BigInteger[] a, java.math.BigInteger[] b) {
    java.math.BigInteger x1y2 = a[0].multiply(b[1]);
    java.math.BigInteger y1x2 = a[1].multiply(b[0]);
    java.math.BigInteger x1x2 = a[0].multiply(b[0]);
    java.math.BigInteger y1y2 = a[1].multiply(b[1]);
    java.math.BigInteger dxxyy = D.multiply(x1x2).mod(P).multiply(y1y2).mod(P);
    java.math.BigInteger x3 = x1y2.add(y1x2).multiply(java.math.BigInteger.ONE.add(dxxyy).modInverse(P)).mod(P);
    java.math.BigInteger y3 = y1y2.add(x1x2).multiply(java.math.BigInteger.ONE.subtract(dxxyy).mod(P).modInverse(P)).mod(P);
    return new java.math.BigInteger[] {x3, y3};
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
