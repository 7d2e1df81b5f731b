package io.p2pquic.quic;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC Retry tokens (RFC 9000 section 8.1.2) for a public listener: a client must echo a token bound
 * to its address before the server keeps any state or sends more than a small Retry, so spoofed
 * Initials cannot make the server work or amplify. Token: expiry (8 bytes, epoch ms), HMAC-SHA256
 * truncated to 16 bytes over expiry, client IP and original destination connection id, then that id.
 * The key is random per process: a restarted server only costs clients one more Retry. A Retry costs
 * every client a round trip, so {@code needed} can keep it for when the listener is under load (state
 * piling up is what spoofed Initials cause); a token sent is always checked.
 */
public final class RetryTokens implements QuicTokenHandler {
  private static final int MAC_LENGTH = 16;
  private static final int PREFIX = 8 + MAC_LENGTH;
  /** QUIC connection ids are at most 20 bytes. */
  private static final int MAX_CID = 20;

  private final byte[] key = new byte[32];
  private final long validityMillis;
  private final LongSupplier clock;
  private final Runnable onIssued;
  private final java.util.function.BooleanSupplier needed;

  /**
   * @param needed asked for each new client without a token: true sends a Retry
   * @param onIssued called for every Retry sent (a counter)
   */
  public RetryTokens(long validityMillis, java.util.function.BooleanSupplier needed, Runnable onIssued) {
    this(validityMillis, System::currentTimeMillis, needed, onIssued);
  }

  RetryTokens(long validityMillis, LongSupplier clock, java.util.function.BooleanSupplier needed, Runnable onIssued) {
    this.needed = needed;
    new SecureRandom().nextBytes(key);
    this.validityMillis = validityMillis;
    this.clock = clock;
    this.onIssued = onIssued;
  }

  @Override
  public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
    if (!needed.getAsBoolean()) {
      return false; // no Retry: the handshake goes on (QUIC's 3x amplification limit still applies)
    }
    byte[] id = new byte[dcid.readableBytes()];
    dcid.getBytes(dcid.readerIndex(), id);
    long expiry = clock.getAsLong() + validityMillis;
    out.writeLong(expiry).writeBytes(mac(expiry, address, id)).writeBytes(id);
    onIssued.run();
    return true;
  }

  @Override
  public int validateToken(ByteBuf token, InetSocketAddress address) {
    int length = token.readableBytes();
    if (length < PREFIX || length > PREFIX + MAX_CID) {
      return -1;
    }
    int at = token.readerIndex();
    long expiry = token.getLong(at);
    if (expiry < clock.getAsLong() || expiry > clock.getAsLong() + validityMillis) {
      return -1;
    }
    byte[] given = new byte[MAC_LENGTH];
    token.getBytes(at + 8, given);
    byte[] id = new byte[length - PREFIX];
    token.getBytes(at + PREFIX, id);
    return MessageDigest.isEqual(given, mac(expiry, address, id)) ? PREFIX : -1;
  }

  @Override
  public int maxTokenLength() {
    return PREFIX + MAX_CID;
  }

  private byte[] mac(long expiry, InetSocketAddress address, byte[] dcid) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      for (int i = 7; i >= 0; i--) {
        m.update((byte) (expiry >>> (8 * i)));
      }
      m.update(address.getAddress().getAddress());
      m.update(dcid);
      byte[] full = m.doFinal();
      return java.util.Arrays.copyOf(full, MAC_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
