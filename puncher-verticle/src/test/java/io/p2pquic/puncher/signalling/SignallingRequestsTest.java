package io.p2pquic.puncher.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.api.signalling.frame.ErrorReply;
import io.p2pquic.api.signalling.frame.LookupRequest;
import io.p2pquic.api.signalling.frame.PeerReply;
import io.p2pquic.api.signalling.frame.PingRequest;
import io.p2pquic.api.signalling.frame.RelayRequest;
import io.p2pquic.api.signalling.frame.ServerFrameDecoder;
import io.p2pquic.api.signalling.frame.ServerReply;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The request/reply bookkeeping both transports share, with exact frames and no socket: ids, matching a
 * reply or an error to its request, timeouts, failing everything on close.
 */
class SignallingRequestsTest {
  private static final Vertx VERTX = Vertx.vertx();
  private static final ServerFrameDecoder DECODER = new ServerFrameDecoder();
  private static final PeerId BOB = PeerIdentity.generate().peerId();

  @AfterAll
  static void close() {
    VERTX.close();
  }

  private static ServerReply reply(String text) throws Exception {
    return (ServerReply) DECODER.decode(text);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(5, TimeUnit.SECONDS);
  }

  @Test
  void numbersItsRequestsAndPutsTheIdLast() {
    SignallingRequests requests = new SignallingRequests(VERTX, "c");
    SignallingRequests.Request relay = requests.issue(new RelayRequest("offer", BOB, "theirs", new JsonObject()
        .put("sessionId", "s1")), 60_000);
    SignallingRequests.Request ping = requests.issue(new PingRequest(null), 60_000);
    assertThat(relay.id()).isEqualTo("c1");
    assertThat(relay.frame().encode()).isEqualTo("{\"type\":\"offer\",\"to\":\"" + BOB.value()
        + "\",\"body\":{\"sessionId\":\"s1\"},\"id\":\"c1\"}");
    assertThat(ping.frame().encode()).isEqualTo("{\"type\":\"ping\",\"id\":\"c2\"}");
    assertThat(requests.waiting()).isEqualTo(2);
    requests.failAll("test");
  }

  @Test
  void aReplyCompletesTheRequestItNames() throws Exception {
    SignallingRequests requests = new SignallingRequests(VERTX, "m");
    SignallingRequests.Request a = requests.issue(new PingRequest(null), 60_000);
    SignallingRequests.Request b = requests.issue(new LookupRequest(null, BOB), 60_000);
    ServerReply peer = reply("{\"type\":\"peer\",\"id\":\"m2\",\"peerId\":\"" + BOB.value() + "\",\"online\":false}");
    assertThat(requests.complete(peer)).isTrue();
    assertThat(b.reply().result()).isInstanceOf(PeerReply.class).isEqualTo(peer);
    assertThat(a.reply().isComplete()).isFalse();
    assertThat(requests.complete(peer)).as("a second reply to the same request").isFalse();
    assertThat(requests.complete(reply("{\"type\":\"ack\",\"id\":\"m9\"}"))).as("an id never issued").isFalse();
    assertThat(requests.complete(reply("{\"type\":\"pong\",\"id\":1}"))).as("a number, not m1").isFalse();
    assertThat(requests.complete(reply("{\"type\":\"pong\",\"id\":\"m1\"}"))).isTrue();
    assertThat(a.reply().succeeded()).isTrue();
    assertThat(requests.waiting()).isZero();
  }

  @Test
  void anErrorFailsTheRequestItNamesWithItsCode() throws Exception {
    SignallingRequests requests = new SignallingRequests(VERTX, "c");
    SignallingRequests.Request r = requests.issue(new RelayRequest("offer", BOB, null, null), 60_000);
    ErrorReply unattributed = (ErrorReply) reply("{\"type\":\"error\",\"id\":null,\"code\":\"rate-limited\",\"message\":\"x\"}");
    assertThat(requests.fail(unattributed)).isFalse();
    assertThat(r.reply().isComplete()).isFalse();
    ErrorReply error = (ErrorReply) reply("{\"type\":\"error\",\"id\":\"c1\",\"code\":\"unknown-target\","
        + "\"message\":\"peer is not registered\"}");
    assertThat(requests.fail(error)).isTrue();
    SignallingException e = (SignallingException) failure(r.reply());
    assertThat(e.code()).isEqualTo("unknown-target");
    assertThat(e.requestId()).isEqualTo("c1");
    assertThat(e.getMessage()).isEqualTo("unknown-target: peer is not registered");
  }

  @Test
  void aRequestWithoutReplyTimesOut() throws Exception {
    SignallingRequests requests = new SignallingRequests(VERTX, "c");
    SignallingRequests.Request r = requests.issue(new PingRequest(null), 50);
    SignallingException e = (SignallingException) failure(r.reply());
    assertThat(e.is(ErrorCode.TIMEOUT)).isTrue();
    assertThat(e.getMessage()).isEqualTo("timeout: no reply to ping within 50 ms");
    assertThat(requests.waiting()).isZero();
    assertThat(requests.complete(reply("{\"type\":\"pong\",\"id\":\"c1\"}"))).as("too late").isFalse();
  }

  @Test
  void closingFailsEveryRequestStillWaiting() throws Exception {
    SignallingRequests requests = new SignallingRequests(VERTX, "c");
    SignallingRequests.Request a = requests.issue(new PingRequest(null), 60_000);
    SignallingRequests.Request b = requests.issue(new PingRequest(null), 60_000);
    requests.failAll("closed");
    for (SignallingRequests.Request r : new SignallingRequests.Request[] {a, b}) {
      SignallingException e = (SignallingException) failure(r.reply());
      assertThat(e.is(ErrorCode.CLOSED)).isTrue();
      assertThat(e.getMessage()).isEqualTo("closed: connection closed (closed)");
      assertThat(e.requestId()).isEqualTo(r.id());
    }
    assertThat(requests.waiting()).isZero();
    SignallingRequests.Request c = requests.issue(new PingRequest(null), 60_000);
    assertThat(c.id()).as("ids are never reused, so a late reply cannot answer a new request").isEqualTo("c3");
    assertThat(requests.fail(c.id(), ErrorCode.MALFORMED, "bad pong")).isTrue();
    assertThat(failure(c.reply())).hasMessage("malformed: bad pong");
  }

  @Test
  void aWithdrawnRequestAwaitsNoReply() throws Exception {
    SignallingRequests requests = new SignallingRequests(VERTX, "c");
    SignallingRequests.Request r = requests.issue(new PingRequest(null), 60_000);
    requests.withdraw(r.id());
    assertThat(requests.waiting()).isZero();
    assertThat(requests.complete(reply("{\"type\":\"pong\",\"id\":\"c1\"}"))).isFalse();
    requests.failAll("closed");
    assertThat(r.reply().isComplete()).as("never written: nobody waits for it").isFalse();
  }
}
