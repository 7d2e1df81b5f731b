package io.p2pquic.api.signalling.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an offer, answer, restart or restart-answer describes: ICE credentials and the candidates gathered so
 * far as RFC 8839 {@code candidate:} strings (any ICE agent reads them: aioice, libwebrtc), and whether that
 * is all of them. Its JSON fields come first in the message body, in this order:
 *
 * <pre>{@code {"ufrag":"Xk3f","pwd":"...22+ chars...","candidates":["candidate:1 1 udp 2130706431 10.0.0.2 40000 typ host"],
 * "complete":true}}</pre>
 *
 * <p>Only the bounds are checked here (the syntax of credentials and candidates is the ICE agent's).
 */
public record IceDescription(String ufrag, String pwd, List<String> candidates, boolean complete) {
  /** Most candidates one description may carry. */
  public static final int MAX_CANDIDATES = 256;
  /** Longest ufrag or pwd (RFC 8839: 256 ice-chars). */
  public static final int MAX_CREDENTIAL_LENGTH = 256;
  /** Longest candidate string. */
  public static final int MAX_CANDIDATE_LENGTH = 1024;

  public IceDescription {
    SessionSignal.bounded("ufrag", ufrag, MAX_CREDENTIAL_LENGTH);
    SessionSignal.bounded("pwd", pwd, MAX_CREDENTIAL_LENGTH);
    Objects.requireNonNull(candidates, "candidates");
    if (candidates.size() > MAX_CANDIDATES) {
      throw new SessionSignalException("candidates must be an array of at most " + MAX_CANDIDATES + " candidate strings");
    }
    for (String c : candidates) {
      SessionSignal.bounded("candidate", c, MAX_CANDIDATE_LENGTH);
    }
    candidates = List.copyOf(candidates);
  }

  /** {@code ufrag}, {@code pwd}, {@code candidates}, {@code complete}, in this order. */
  public JsonObject toJson() {
    return new JsonObject().put("ufrag", ufrag).put("pwd", pwd).put("candidates", new JsonArray(new ArrayList<>(candidates)))
        .put("complete", complete);
  }

  /** The description in a message body; {@code complete} is true when absent (older peers left it out). */
  public static IceDescription fromJson(JsonObject body) {
    Object c = body.getValue("candidates");
    if (!(c instanceof JsonArray array) || array.size() > MAX_CANDIDATES) {
      throw new SessionSignalException("candidates must be an array of at most " + MAX_CANDIDATES + " candidate strings");
    }
    List<String> candidates = new ArrayList<>(array.size());
    for (Object o : array) {
      if (!(o instanceof String s)) {
        throw new SessionSignalException("candidates must be strings, found " + o);
      }
      candidates.add(s);
    }
    Object ufrag = body.getValue("ufrag");
    Object pwd = body.getValue("pwd");
    if (!(ufrag instanceof String u) || !(pwd instanceof String p)) {
      throw new SessionSignalException("ufrag and pwd must be strings");
    }
    Object complete = body.getValue("complete");
    return new IceDescription(u, p, candidates, !(complete instanceof Boolean b) || b);
  }
}
