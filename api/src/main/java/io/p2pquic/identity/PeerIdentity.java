package io.p2pquic.identity;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A peer's long-term Ed25519 key pair and the {@link PeerId} derived from it.
 *
 * <p>The {@link KeyPair} stays reachable ({@link #keyPair()}) so the QUIC layer can build its TLS
 * certificate from the same key.
 *
 * <p>File form ({@link #save(Path)}, {@link #load(Path)}): a small JSON object, written with mode
 * 0600 where the file system supports POSIX permissions:
 *
 * <pre>{@code
 * {
 *   "type": "p2p-quic-identity",
 *   "version": 1,
 *   "algorithm": "Ed25519",
 *   "peerId": "pq1...",
 *   "publicKey": "<base64 X.509 SubjectPublicKeyInfo>",
 *   "privateKey": "<base64 PKCS#8>"
 * }
 * }</pre>
 *
 * <p>The file methods do blocking I/O: call them at startup or through
 * {@code vertx.executeBlocking}, never on an event loop.
 */
public final class PeerIdentity {

  public static final String FILE_TYPE = "p2p-quic-identity";
  public static final int FILE_VERSION = 1;
  public static final String ALGORITHM = "Ed25519";

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final KeyPair keyPair;
  private final PeerId peerId;

  private PeerIdentity(KeyPair keyPair, PeerId peerId) {
    this.keyPair = keyPair;
    this.peerId = peerId;
  }

  /** A fresh random identity. */
  public static PeerIdentity generate() {
    try {
      KeyPair kp = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      return new PeerIdentity(kp, PeerId.of(kp.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 not available in this JDK", e);
    }
  }

  /**
   * Wraps an existing Ed25519 key pair.
   *
   * @throws IllegalArgumentException if the keys are not Ed25519 or do not belong together
   */
  public static PeerIdentity of(KeyPair keyPair) {
    Objects.requireNonNull(keyPair, "keyPair");
    PeerId id = PeerId.of(keyPair.getPublic());
    PeerIdentity identity = new PeerIdentity(keyPair, id);
    byte[] probe = "p2p-quic/identity/pair-check/v1".getBytes(StandardCharsets.US_ASCII);
    byte[] sig;
    try {
      sig = identity.sign(probe);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("private key is not a usable Ed25519 key", e);
    }
    if (!verify(keyPair.getPublic(), probe, sig)) {
      throw new IllegalArgumentException("private key does not match public key");
    }
    return identity;
  }

  /** The peer id derived from the public key. */
  public PeerId peerId() {
    return peerId;
  }

  public KeyPair keyPair() {
    return keyPair;
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  /** The public key's wire form (base64 X.509 SubjectPublicKeyInfo). */
  public String publicKeyBase64() {
    return encodePublicKey(keyPair.getPublic());
  }

  /** Signs {@code data} with Ed25519 (deterministic, 64-byte signature). */
  public byte[] sign(byte[] data) {
    Objects.requireNonNull(data, "data");
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(keyPair.getPrivate());
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
    }
  }

  /** Verifies an Ed25519 signature; false (never an exception) for any invalid input. */
  public static boolean verify(PublicKey publicKey, byte[] data, byte[] signature) {
    if (publicKey == null || data == null || signature == null
        || signature.length != Ed25519Keys.SIGNATURE_LENGTH) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(publicKey);
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Verifies with a public key given as encoded bytes (44-byte SubjectPublicKeyInfo or raw 32
   * bytes); false for a malformed key.
   */
  public static boolean verify(byte[] encodedPublicKey, byte[] data, byte[] signature) {
    if (encodedPublicKey == null) {
      return false;
    }
    PublicKey key;
    try {
      key = Ed25519Keys.decodePublicKey(encodedPublicKey);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return verify(key, data, signature);
  }

  /** Wire form of a public key: base64 of its X.509 SubjectPublicKeyInfo. */
  public static String encodePublicKey(PublicKey key) {
    return Ed25519Keys.encodePublicKey(key);
  }

  /**
   * Decodes the wire form of a public key.
   *
   * @throws IllegalArgumentException if it is not base64 of an Ed25519 key
   */
  public static PublicKey decodePublicKey(String base64) {
    return Ed25519Keys.decodePublicKey(base64);
  }

  /** The JSON form written by {@link #save(Path)} (contains the private key). */
  public JsonObject toJson() {
    return new JsonObject()
        .put("type", FILE_TYPE)
        .put("version", FILE_VERSION)
        .put("algorithm", ALGORITHM)
        .put("peerId", peerId.value())
        .put("publicKey", publicKeyBase64())
        .put("privateKey", Base64.getEncoder().encodeToString(keyPair.getPrivate().getEncoded()));
  }

  /**
   * Parses the JSON form, checking that the peer id matches the public key and the private key
   * matches the public key.
   *
   * @throws IllegalArgumentException naming the bad field
   */
  public static PeerIdentity fromJson(JsonObject json) {
    Objects.requireNonNull(json, "json");
    if (!FILE_TYPE.equals(json.getValue("type"))) {
      throw new IllegalArgumentException("\"type\" must be \"" + FILE_TYPE + "\"");
    }
    if (!Integer.valueOf(FILE_VERSION).equals(intOrNull(json.getValue("version")))) {
      throw new IllegalArgumentException("\"version\" must be " + FILE_VERSION);
    }
    if (!ALGORITHM.equals(json.getValue("algorithm"))) {
      throw new IllegalArgumentException("\"algorithm\" must be \"" + ALGORITHM + "\"");
    }
    PublicKey pub;
    try {
      pub = Ed25519Keys.decodePublicKey(requireString(json, "publicKey"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"publicKey\": " + e.getMessage(), e);
    }
    PrivateKey priv;
    try {
      priv = Ed25519Keys.privateKeyFromPkcs8(Base64.getDecoder().decode(requireString(json, "privateKey")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"privateKey\": " + e.getMessage(), e);
    }
    PeerIdentity identity;
    try {
      identity = of(new KeyPair(pub, priv));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"privateKey\": " + e.getMessage(), e);
    }
    Object storedId = json.getValue("peerId");
    if (storedId != null && !identity.peerId.value().equals(storedId)) {
      throw new IllegalArgumentException("\"peerId\" " + storedId + " does not match the public key (which gives "
          + identity.peerId + ")");
    }
    return identity;
  }

  /** Reads an identity file (blocking). */
  public static PeerIdentity load(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    String text = Files.readString(file, StandardCharsets.UTF_8);
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException e) {
      throw new IdentityFileException(file, "not a JSON object: " + e.getMessage(), e);
    }
    try {
      return fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new IdentityFileException(file, e.getMessage(), e);
    }
  }

  /**
   * Writes this identity (blocking), replacing any existing file atomically; the file gets mode
   * 0600 on POSIX file systems. Parent directories are created.
   */
  public void save(Path file) throws IOException {
    write(file, true);
  }

  /**
   * Loads the identity at {@code file}, or generates and saves a new one if the file does not
   * exist (blocking). When two processes race, both end up with the identity that was written
   * first.
   */
  public static PeerIdentity loadOrCreate(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    try {
      return load(file);
    } catch (NoSuchFileException e) {
      PeerIdentity fresh = generate();
      try {
        fresh.write(file, false);
        return fresh;
      } catch (FileAlreadyExistsException raced) {
        return load(file);
      }
    }
  }

  private void write(Path file, boolean replace) throws IOException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    boolean posix = Files.getFileStore(dir == null ? abs.getRoot() : dir)
        .supportsFileAttributeView("posix");
    Path tmp = (dir == null ? abs.getRoot() : dir)
        .resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
    FileAttribute<?>[] attrs = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    Files.createFile(tmp, attrs);
    try {
      Files.writeString(tmp, toJson().encodePrettily() + "\n", StandardCharsets.UTF_8);
      if (posix) {
        Files.setPosixFilePermissions(tmp, OWNER_ONLY);
      }
      if (replace) {
        try {
          Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
      } else {
        // Hard link creation fails if the target exists: first writer wins without a window in
        // which a half-written file is visible.
        try {
          Files.createLink(abs, tmp);
        } catch (UnsupportedOperationException e) {
          Files.move(tmp, abs);
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String requireString(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof String) || ((String) v).isEmpty()) {
      throw new IllegalArgumentException("missing or not a string");
    }
    return (String) v;
  }

  private static Integer intOrNull(Object v) {
    return v instanceof Number ? ((Number) v).intValue() : null;
  }

  @Override
  public String toString() {
    return "PeerIdentity[" + peerId + "]";
  }
}
