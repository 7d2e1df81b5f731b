package io.p2pquic.puncher.nat;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;

/**
 * One Binding request of the discovery and what came of it.
 *
 * @param name {@code test-I}, {@code filtering-II} (CHANGE-REQUEST IP and port), {@code filtering-III}
 *     (CHANGE-REQUEST port), {@code mapping-II} (alternate IP, primary port), {@code mapping-III}
 *     (alternate IP and port)
 * @param destination where the request went
 * @param outcome what happened
 * @param mapped XOR-MAPPED-ADDRESS of the response, or null
 * @param source where the response came from, or null
 * @param rttMillis round-trip time of the answered request, or -1
 * @param attempts requests sent
 * @param detail error text, or null
 */
public record NatProbe(
    String name,
    InetSocketAddress destination,
    Outcome outcome,
    InetSocketAddress mapped,
    InetSocketAddress source,
    long rttMillis,
    int attempts,
    String detail) {

  public enum Outcome {
    /** A success response (from the expected address for CHANGE-REQUEST probes). */
    RESPONSE,
    /** No response after every retransmission. */
    TIMEOUT,
    /** An error response (e.g. 420 from a server that does not know CHANGE-REQUEST). */
    ERROR_RESPONSE,
    /** A CHANGE-REQUEST was answered from the address it was sent to: the server ignored it. */
    NOT_HONOURED,
    /** The request could not be sent, or the response had no mapped address. */
    FAILED
  }

  public boolean answered() {
    return outcome == Outcome.RESPONSE;
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("name", name)
        .put("destination", SocketAddresses.format(destination))
        .put("outcome", outcome.name());
    if (mapped != null) {
      j.put("mappedAddress", SocketAddresses.format(mapped));
    }
    if (source != null) {
      j.put("source", SocketAddresses.format(source));
    }
    if (rttMillis >= 0) {
      j.put("rttMillis", rttMillis);
    }
    j.put("attempts", attempts);
    if (detail != null) {
      j.put("detail", detail);
    }
    return j;
  }

  public static NatProbe fromJson(JsonObject j) {
    return new NatProbe(
        j.getString("name"),
        addr(j.getString("destination")),
        Outcome.valueOf(j.getString("outcome")),
        addr(j.getString("mappedAddress")),
        addr(j.getString("source")),
        j.getLong("rttMillis", -1L),
        j.getInteger("attempts", 0),
        j.getString("detail"));
  }

  static InetSocketAddress addr(String s) {
    return s == null ? null : SocketAddresses.parseHostPort(s);
  }
}
