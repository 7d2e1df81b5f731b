package io.p2pquic.puncher.mdns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsMessage;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two mDNS messages ICE needs (RFC 6762): a query for a name's A record and the answer to it, on the
 * wire through Netty's DNS codec; only the mDNS rules are ours (the QU and cache-flush bits, names
 * compared without case and trailing dot). Decoding is bounded by {@link #MAX_DATAGRAM} and by Netty's
 * decoder (a compression pointer loop is refused).
 */
public final class MdnsMessages {
  public static final int MAX_DATAGRAM = 9000;
  /** RFC 6762 section 5.4 (question) and 10.2 (record): the top bit of the class. */
  static final int QU_OR_CACHE_FLUSH = 0x8000;
  static final int CLASS_IN = 1;
  private static final InetSocketAddress NOWHERE = new InetSocketAddress(0);

  private MdnsMessages() {
  }

  /** A query: its id and the names asked for an A (or ANY) record. */
  public record Query(int id, List<String> names, boolean unicastResponse) {}

  /** An answer: its id and the A records it carries, by name. */
  public record Answer(int id, boolean authoritative, List<Record> records) {}

  /** One A record. */
  public record Record(String name, InetAddress address, long ttlSeconds) {}

  /** A standard query for {@code name}'s A record. */
  public static byte[] query(int id, String name) {
    DatagramDnsQuery q = new DatagramDnsQuery(NOWHERE, NOWHERE, id);
    q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, DnsRecordType.A, CLASS_IN));
    return encode(new EmbeddedChannel(new DatagramDnsQueryEncoder()), q);
  }

  /**
   * An authoritative answer: {@code name} is {@code ip}. For a legacy unicast query (section 6.7) the question
   * is repeated and the record has no cache-flush bit; a multicast answer has id 0 and the bit set.
   */
  public static byte[] answer(int id, String name, Inet4Address ip, long ttlSeconds, boolean legacyUnicast) {
    DatagramDnsResponse r = new DatagramDnsResponse(NOWHERE, NOWHERE, legacyUnicast ? id : 0, DnsOpCode.QUERY);
    r.setAuthoritativeAnswer(true);
    if (legacyUnicast) {
      r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, DnsRecordType.A, CLASS_IN));
    }
    r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(name, DnsRecordType.A,
        legacyUnicast ? CLASS_IN : CLASS_IN | QU_OR_CACHE_FLUSH, ttlSeconds, Unpooled.wrappedBuffer(ip.getAddress())));
    return encode(new EmbeddedChannel(new DatagramDnsResponseEncoder()), r);
  }

  /** Decodes a query; null for anything else (a response, another opcode, or malformed). */
  public static Query decodeQuery(byte[] data) {
    if (data.length < 12 || data.length > MAX_DATAGRAM || (data[2] & 0x80) != 0) {
      return null;
    }
    DatagramDnsQuery q = decode(new EmbeddedChannel(new DatagramDnsQueryDecoder()), data);
    if (q == null) {
      return null;
    }
    try {
      if (q.opCode() != DnsOpCode.QUERY) {
        return null;
      }
      List<String> names = new ArrayList<>();
      boolean qu = false;
      for (int i = 0; i < q.count(DnsSection.QUESTION); i++) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION, i);
        int cls = question.dnsClass() & 0xffff;
        if ((cls & ~QU_OR_CACHE_FLUSH) != CLASS_IN && (cls & ~QU_OR_CACHE_FLUSH) != 255) {
          continue;
        }
        if (question.type() == DnsRecordType.A || question.type() == DnsRecordType.ANY) {
          names.add(normalize(question.name()));
          qu |= (cls & QU_OR_CACHE_FLUSH) != 0;
        }
      }
      return new Query(q.id(), names, qu);
    } finally {
      q.release();
    }
  }

  /** Decodes a response's A records; null for anything else or malformed. */
  public static Answer decodeAnswer(byte[] data) {
    if (data.length < 12 || data.length > MAX_DATAGRAM || (data[2] & 0x80) == 0) {
      return null;
    }
    DatagramDnsResponse r = decode(new EmbeddedChannel(new DatagramDnsResponseDecoder()), data);
    if (r == null) {
      return null;
    }
    try {
      List<Record> records = new ArrayList<>();
      for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
        DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
        if (rec.type() == DnsRecordType.A && rec instanceof DnsRawRecord raw && raw.content().readableBytes() == 4) {
          byte[] ip = new byte[4];
          raw.content().getBytes(raw.content().readerIndex(), ip);
          records.add(new Record(normalize(rec.name()), InetAddress.getByAddress(ip), rec.timeToLive()));
        }
      }
      return new Answer(r.id(), r.isAuthoritativeAnswer(), records);
    } catch (UnknownHostException e) {
      return null; // four bytes: never
    } finally {
      r.release();
    }
  }

  /** Lower case, no trailing dot: how names are compared (DNS names are case-insensitive). */
  public static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private static byte[] encode(EmbeddedChannel ch, DnsMessage message) {
    try {
      ch.writeOutbound(message);
      DatagramPacket p = ch.readOutbound();
      ByteBuf b = p.content();
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      p.release();
      return out;
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static <T> T decode(EmbeddedChannel ch, byte[] data) {
    try {
      ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(data), NOWHERE, NOWHERE));
      return ch.readInbound();
    } catch (RuntimeException e) {
      return null; // Netty's CorruptedFrameException / IndexOutOfBounds: malformed
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
