package io.p2pquic.puncher.session;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What a connect call (and an accepted session) completes with, whatever the method: the reply of
 * {@code p2p.peer.connect}, the {@code session} line of the CLI and what {@code lab report} reads.
 * JSON: {@code sessionId}, {@code localPeer}, {@code peer}, {@code method}, {@code path} ("direct" or
 * "relayed"), {@code role} ("controlling": this side dialed), {@code timings} (phase milliseconds since
 * the session started), and when known {@code selectedPair} ({@code local}, {@code localType},
 * {@code remote}, {@code remoteType}), {@code rttMs} and {@code attempts} (method tcp).
 */
public record SessionDescription(String sessionId, PeerId localPeer, PeerId peer, ConnectMethod method, boolean relayed,
    boolean controlling, JsonObject timings, SelectedPair selectedPair, Long rttMs, Integer attempts) {

  /** The pair that carries the session, as candidate addresses and types (SDP names). */
  public record SelectedPair(InetSocketAddress local, String localType, InetSocketAddress remote, String remoteType) {
    public SelectedPair {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(localType, "localType");
      Objects.requireNonNull(remote, "remote");
      Objects.requireNonNull(remoteType, "remoteType");
    }

    public static SelectedPair of(Candidate local, Candidate remote) {
      return new SelectedPair(local.address(), local.type().sdpName(), remote.address(), remote.type().sdpName());
    }

    /** Relayed when either end is a relayed candidate (ours or the peer's TURN allocation). */
    public boolean relayed() {
      return CandidateType.RELAYED.sdpName().equals(localType) || CandidateType.RELAYED.sdpName().equals(remoteType);
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("local", SocketAddresses.format(local))
          .put("localType", localType)
          .put("remote", SocketAddresses.format(remote))
          .put("remoteType", remoteType);
    }

    public static SelectedPair fromJson(JsonObject j) {
      return new SelectedPair(SocketAddresses.parseHostPort(j.getString("local")), j.getString("localType"),
          SocketAddresses.parseHostPort(j.getString("remote")), j.getString("remoteType"));
    }
  }

  public SessionDescription {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(localPeer, "localPeer");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(method, "method");
    timings = timings == null ? new JsonObject() : timings.copy();
  }

  /** An ICE session's description: the path is relayed when the pair carrying QUIC has a relayed end. */
  public static SessionDescription ofPair(String sessionId, PeerId localPeer, PeerId peer, ConnectMethod method,
      boolean controlling, JsonObject timings, CandidatePair pair) {
    SelectedPair selected = pair == null ? null : SelectedPair.of(pair.local(), pair.remote());
    return new SessionDescription(sessionId, localPeer, peer, method, selected != null && selected.relayed(),
        controlling, timings, selected, pair == null ? null : pair.rttMillis(), null);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("sessionId", sessionId)
        .put("localPeer", localPeer.value())
        .put("peer", peer.value())
        .put("method", method.label())
        .put("path", relayed ? "relayed" : "direct")
        .put("role", controlling ? "controlling" : "controlled");
    if (attempts != null) {
      j.put("attempts", attempts);
    }
    j.put("timings", timings.copy());
    if (selectedPair != null) {
      j.put("selectedPair", selectedPair.toJson());
    }
    if (rttMs != null) {
      j.put("rttMs", rttMs);
    }
    return j;
  }

  /** @throws IllegalArgumentException when a required field is missing or malformed */
  public static SessionDescription fromJson(JsonObject j) {
    try {
      JsonObject pair = j.getJsonObject("selectedPair");
      return new SessionDescription(j.getString("sessionId"), PeerId.parse(j.getString("localPeer")),
          PeerId.parse(j.getString("peer")), ConnectMethod.parse(j.getString("method")),
          "relayed".equals(j.getString("path")), "controlling".equals(j.getString("role")),
          j.getJsonObject("timings"), pair == null ? null : SelectedPair.fromJson(pair), j.getLong("rttMs"),
          j.getInteger("attempts"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a session description: " + e.getMessage(), e);
    }
  }
}
