package io.p2pquic.puncher.dcutr;

import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.ice.Candidate;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Decodes what {@link DcutrEncoder} writes; anything else is a {@link DcutrDecodeException}. */
public final class DcutrDecoder {
  private DcutrDecoder() {}

  public static DcutrMessage decode(Buffer b) throws DcutrDecodeException {
    Reader r = new Reader(b);
    if (r.u8() != DcutrEncoder.MAGIC) {
      throw new DcutrDecodeException("not a DCUtR message (first byte is not 0xDC)");
    }
    int type = r.u8();
    int attempt = r.u8();
    if (attempt == 0) {
      throw new DcutrDecodeException("attempt 0");
    }
    DcutrMessage m;
    try {
      if (type == DcutrEncoder.SYNC) {
        m = new DcutrMessage.Sync(attempt);
      } else if (type == DcutrEncoder.CONNECT) {
        IceCredentials credentials = new IceCredentials(r.string(r.u8()), r.string(r.u8()));
        int count = r.u8();
        if (count > DcutrEncoder.MAX_ADDRESSES) {
          throw new DcutrDecodeException(count + " addresses, at most " + DcutrEncoder.MAX_ADDRESSES);
        }
        List<Candidate> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          addresses.add(Candidate.parse(r.string(r.u16())));
        }
        m = new DcutrMessage.Connect(attempt, credentials, addresses);
      } else {
        throw new DcutrDecodeException("unknown type 0x" + Integer.toHexString(type));
      }
    } catch (IllegalArgumentException e) {
      throw new DcutrDecodeException("bad field: " + e.getMessage());
    }
    if (r.pos != b.length()) {
      throw new DcutrDecodeException((b.length() - r.pos) + " trailing bytes");
    }
    return m;
  }

  private static final class Reader {
    private final Buffer b;
    private int pos;

    Reader(Buffer b) {
      this.b = b;
    }

    private void need(int n) throws DcutrDecodeException {
      if (pos + n > b.length()) {
        throw new DcutrDecodeException("truncated at byte " + pos + " of " + b.length());
      }
    }

    int u8() throws DcutrDecodeException {
      need(1);
      return b.getUnsignedByte(pos++);
    }

    int u16() throws DcutrDecodeException {
      need(2);
      int v = b.getUnsignedShort(pos);
      pos += 2;
      return v;
    }

    String string(int n) throws DcutrDecodeException {
      need(n);
      for (int i = pos; i < pos + n; i++) {
        int c = b.getUnsignedByte(i);
        if (c < 0x20 || c > 0x7E) {
          // Decoding as US-ASCII would turn it into U+FFFD, which a candidate takes for a host name.
          throw new DcutrDecodeException(String.format("byte 0x%02x in a text field (printable ASCII only)", c));
        }
      }
      String s = b.getString(pos, pos + n, StandardCharsets.US_ASCII.name());
      pos += n;
      return s;
    }
  }
}
