package io.p2pquic.stun;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A STUN message: type, transaction id and attributes in wire order.
 *
 * <p>Messages are built with {@link #builder} (optionally asking the encoder to append
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT) or produced by {@link StunMessageDecoder},
 * in which case the received bytes are kept so that the integrity can be verified once the receiver
 * knows which key applies ({@link #verifyMessageIntegrity}).
 */
public final class StunMessage {
  public static final int HEADER_LENGTH = 20;
  public static final int MAGIC_COOKIE = 0x2112A442;

  private final StunMessageType type;
  private final TransactionId transactionId;
  private final List<StunAttribute> attributes;
  // Encoding instructions (built messages).
  private final byte[] integrityKey;
  private final byte[] integritySha256Key;
  private final boolean fingerprint;
  // What was received (decoded messages).
  private final byte[] received;
  private final int integrityOffset;
  private final int integritySha256Offset;
  private final int integritySha256Length;

  private StunMessage(
      StunMessageType type,
      TransactionId transactionId,
      List<StunAttribute> attributes,
      byte[] integrityKey,
      byte[] integritySha256Key,
      boolean fingerprint,
      byte[] received,
      int integrityOffset,
      int integritySha256Offset,
      int integritySha256Length) {
    this.type = Objects.requireNonNull(type, "type");
    this.transactionId = Objects.requireNonNull(transactionId, "transactionId");
    this.attributes = List.copyOf(attributes);
    this.integrityKey = integrityKey;
    this.integritySha256Key = integritySha256Key;
    this.fingerprint = fingerprint;
    this.received = received;
    this.integrityOffset = integrityOffset;
    this.integritySha256Offset = integritySha256Offset;
    this.integritySha256Length = integritySha256Length;
  }

  public static Builder builder(StunMessageType type, TransactionId transactionId) {
    return new Builder(type, transactionId);
  }

  public static Builder builder(StunMessageType type) {
    return new Builder(type, TransactionId.random());
  }

  /** A response builder for this request: same method and transaction id. */
  public Builder responseBuilder(boolean success) {
    return new Builder(type.response(success), transactionId);
  }

  static StunMessage decoded(
      StunMessageType type,
      TransactionId transactionId,
      List<StunAttribute> attributes,
      boolean fingerprint,
      byte[] received,
      int integrityOffset,
      int integritySha256Offset,
      int integritySha256Length) {
    return new StunMessage(
        type,
        transactionId,
        attributes,
        null,
        null,
        fingerprint,
        received,
        integrityOffset,
        integritySha256Offset,
        integritySha256Length);
  }

  public StunMessageType type() {
    return type;
  }

  public StunMethod method() {
    return type.method();
  }

  public StunClass messageClass() {
    return type.messageClass();
  }

  public TransactionId transactionId() {
    return transactionId;
  }

  public List<StunAttribute> attributes() {
    return attributes;
  }

  public Optional<StunAttribute> attribute(int attributeType) {
    for (StunAttribute a : attributes) {
      if (a.type() == attributeType) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  public boolean has(int attributeType) {
    return attribute(attributeType).isPresent();
  }

  public Optional<InetSocketAddress> address(int attributeType) {
    return attribute(attributeType)
        .filter(AddressAttribute.class::isInstance)
        .map(a -> ((AddressAttribute) a).address());
  }

  /** XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from a server that only sends that (RFC 3489 servers). */
  public Optional<InetSocketAddress> mappedAddress() {
    return address(StunAttributeType.XOR_MAPPED_ADDRESS)
        .or(() -> address(StunAttributeType.MAPPED_ADDRESS));
  }

  public Optional<String> string(int attributeType) {
    return attribute(attributeType)
        .filter(StringAttribute.class::isInstance)
        .map(a -> ((StringAttribute) a).value());
  }

  public Optional<Long> uint32(int attributeType) {
    return attribute(attributeType)
        .filter(UInt32Attribute.class::isInstance)
        .map(a -> ((UInt32Attribute) a).value());
  }

  public Optional<Long> uint64(int attributeType) {
    return attribute(attributeType)
        .filter(UInt64Attribute.class::isInstance)
        .map(a -> ((UInt64Attribute) a).value());
  }

  public Optional<ErrorCodeAttribute> errorCode() {
    return attribute(StunAttributeType.ERROR_CODE).map(ErrorCodeAttribute.class::cast);
  }

  /** Comprehension-required attribute types in this message that are not in {@code understood}. */
  public List<Integer> unknownComprehensionRequired(java.util.Set<Integer> understood) {
    List<Integer> unknown = new ArrayList<>();
    for (StunAttribute a : attributes) {
      if (StunAttributeType.isComprehensionRequired(a.type()) && !understood.contains(a.type())) {
        unknown.add(a.type());
      }
    }
    return unknown;
  }

  public boolean hasMessageIntegrity() {
    return integrityOffset >= 0 || integrityKey != null;
  }

  public boolean hasMessageIntegritySha256() {
    return integritySha256Offset >= 0 || integritySha256Key != null;
  }

  /** True when the message carries (or will be encoded with) a FINGERPRINT; a decoded one was verified. */
  public boolean hasFingerprint() {
    return fingerprint;
  }

  /**
   * Checks the received MESSAGE-INTEGRITY (HMAC-SHA1) and, when present, MESSAGE-INTEGRITY-SHA256 with
   * {@code key} (see {@link StunCredentials} for short-term and long-term keys). False when the message
   * has neither, was not decoded from the wire, or any present integrity does not match.
   */
  public boolean verifyMessageIntegrity(byte[] key) {
    if (received == null || (integrityOffset < 0 && integritySha256Offset < 0)) {
      return false;
    }
    if (integrityOffset >= 0 && !MessageIntegrity.verify(received, integrityOffset, 20, key, false)) {
      return false;
    }
    return integritySha256Offset < 0
        || MessageIntegrity.verify(received, integritySha256Offset, integritySha256Length, key, true);
  }

  byte[] integrityKey() {
    return integrityKey;
  }

  byte[] integritySha256Key() {
    return integritySha256Key;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(type).append(" tid=").append(transactionId);
    for (StunAttribute a : attributes) {
      sb.append(' ').append(StunAttributeType.name(a.type())).append('=');
      if (a instanceof AddressAttribute x) {
        sb.append(x.address().getAddress().getHostAddress()).append(':').append(x.address().getPort());
      } else if (a instanceof StringAttribute x) {
        sb.append('"').append(x.value()).append('"');
      } else if (a instanceof ErrorCodeAttribute x) {
        sb.append(x.code()).append(' ').append(x.reason());
      } else if (a instanceof UInt32Attribute x) {
        sb.append(x.value());
      } else if (a instanceof UInt64Attribute x) {
        sb.append(Long.toUnsignedString(x.value(), 16));
      } else {
        sb.append(a);
      }
    }
    if (hasMessageIntegrity()) sb.append(" MESSAGE-INTEGRITY");
    if (hasMessageIntegritySha256()) sb.append(" MESSAGE-INTEGRITY-SHA256");
    if (fingerprint) sb.append(" FINGERPRINT");
    return sb.toString();
  }

  /** Builds a message; MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT are appended by the encoder. */
  public static final class Builder {
    private final StunMessageType type;
    private final TransactionId transactionId;
    private final List<StunAttribute> attributes = new ArrayList<>();
    private byte[] integrityKey;
    private byte[] integritySha256Key;
    private boolean fingerprint;

    private Builder(StunMessageType type, TransactionId transactionId) {
      this.type = Objects.requireNonNull(type, "type");
      this.transactionId = Objects.requireNonNull(transactionId, "transactionId");
    }

    public Builder add(StunAttribute attribute) {
      attributes.add(Objects.requireNonNull(attribute, "attribute"));
      return this;
    }

    /** Appends MESSAGE-INTEGRITY (HMAC-SHA1) computed with this key when encoded. */
    public Builder messageIntegrity(byte[] key) {
      this.integrityKey = key.clone();
      return this;
    }

    /** Appends MESSAGE-INTEGRITY-SHA256 (full 32 bytes) computed with this key when encoded. */
    public Builder messageIntegritySha256(byte[] key) {
      this.integritySha256Key = key.clone();
      return this;
    }

    public Builder fingerprint() {
      this.fingerprint = true;
      return this;
    }

    public StunMessage build() {
      return new StunMessage(
          type, transactionId, attributes, integrityKey, integritySha256Key, fingerprint, null, -1, -1, 0);
    }
  }
}
