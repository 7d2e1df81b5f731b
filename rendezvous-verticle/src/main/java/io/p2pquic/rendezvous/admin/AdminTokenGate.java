package io.p2pquic.rendezvous.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Asks the operator API and the dashboard for {@code admin.token} when one is set: {@code Authorization:
 * Bearer TOKEN}, else a {@code ?token=} query parameter (a browser page and its EventSource cannot set
 * headers), else the cookie a valid query parameter sets, so the page's later requests carry it. Anything
 * else gets 401, counted ({@code p2p.admin.unauthorized}). The comparison takes the same time whatever
 * the guess.
 */
public final class AdminTokenGate {
  static final String COOKIE = "p2p_admin_token";
  static final String UNAUTHORIZED = "p2p.admin.unauthorized";

  private final byte[] token;
  private final Counter refused;

  /** @param token null: everything passes */
  public AdminTokenGate(String token, MeterRegistry metrics) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.refused = Counter.builder(UNAUTHORIZED)
        .description("operator API or dashboard requests without the right admin.token").register(metrics);
  }

  public void handle(RoutingContext ctx) {
    if (token == null) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String query = ctx.request().getParam("token");
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && matches(header.substring(7).trim())) {
      ctx.next();
      return;
    }
    if (query != null && matches(query)) {
      // The dashboard's page came with ?token=: its scripts, styles and stream then carry the cookie.
      ctx.response().addCookie(Cookie.cookie(COOKIE, query).setPath("/").setHttpOnly(true)
          .setSameSite(CookieSameSite.STRICT).setSecure(ctx.request().isSSL()));
      ctx.next();
      return;
    }
    if (cookie != null && matches(cookie.getValue())) {
      ctx.next();
      return;
    }
    refused.increment();
    ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"p2p-quic operator\"")
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "admin.token is set on this rendezvous: send Authorization: Bearer TOKEN, "
            + "or open the dashboard as /dashboard/?token=TOKEN").encode());
  }

  private boolean matches(String candidate) {
    return MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
  }
}
