package io.p2pquic.puncher;

import io.p2pquic.api.signalling.session.IceDescription;
import io.p2pquic.puncher.ice.Candidate;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a peer tells the other in an offer or answer (the body of the signalling message): ICE
 * credentials and the candidates gathered so far as RFC 8839 {@code candidate:} strings, so that any
 * ICE agent (aioice, libwebrtc) can read them.
 *
 * <pre>{@code {"ufrag":"Xk3f9a2B","pwd":"...22+ chars...","candidates":["candidate:1 1 udp 2130706431 10.0.0.2 40000 typ host"],"complete":true}}</pre>
 */
public record PeerDescription(IceCredentials credentials, List<Candidate> candidates, boolean complete) {
  public PeerDescription {
    candidates = List.copyOf(candidates);
  }

  public JsonObject toJson() {
    return wire().toJson();
  }

  /** As an offer, answer or restart carries it. */
  public IceDescription wire() {
    return new IceDescription(credentials.ufrag(), credentials.pwd(), candidates.stream().map(Candidate::toSdp).toList(),
        complete);
  }

  /** @throws IllegalArgumentException saying which field is wrong */
  public static PeerDescription fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("description missing");
    }
    return of(IceDescription.fromJson(json));
  }

  /** The description an offer, answer or restart carried, its candidates parsed; throws IllegalArgumentException. */
  public static PeerDescription of(IceDescription d) {
    List<Candidate> candidates = new ArrayList<>(d.candidates().size());
    for (String c : d.candidates()) {
      candidates.add(Candidate.parse(c));
    }
    return new PeerDescription(new IceCredentials(d.ufrag(), d.pwd()), candidates, d.complete());
  }
}
