package io.p2pquic.api.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The failure codes are the API: unique, stable, and read back from a code or an exception. */
class ConnectFailureTest {

  @Test
  void codesAndLabelsAreUniqueAndReadBack() {
    assertThat(Arrays.stream(ConnectFailure.values()).map(ConnectFailure::code).distinct().count())
        .isEqualTo(ConnectFailure.values().length);
    assertThat(Arrays.stream(ConnectFailure.values()).map(ConnectFailure::label).distinct().count())
        .isEqualTo(ConnectFailure.values().length);
    for (ConnectFailure f : ConnectFailure.values()) {
      assertThat(ConnectFailure.fromCode(f.code())).isEqualTo(f);
    }
    assertThat(ConnectFailure.fromCode(999)).isEqualTo(ConnectFailure.FAILED);
  }

  @Test
  void theDocumentedCodesStay() {
    assertThat(ConnectFailure.INVALID_REQUEST.code()).isEqualTo(400);
    assertThat(ConnectFailure.REJECTED.code()).isEqualTo(403);
    assertThat(ConnectFailure.TIMEOUT.code()).isEqualTo(504);
    assertThat(ConnectFailure.NO_DIRECT_PATH.code()).isEqualTo(520);
    assertThat(ConnectFailure.IDENTITY_MISMATCH.label()).isEqualTo("identity-mismatch");
  }

  @Test
  void anExceptionCarriesItsReason() {
    ConnectFailedException e = new ConnectFailedException(ConnectFailure.NO_RELAYED_PATH, "no relayed path: ...");
    assertThat(ConnectFailure.of(e)).isEqualTo(ConnectFailure.NO_RELAYED_PATH);
    assertThat(e.getMessage()).isEqualTo("no relayed path: ...");
    assertThat(ConnectFailure.of(new IllegalStateException("x"))).isEqualTo(ConnectFailure.FAILED);
    assertThat(ConnectFailure.find(new RuntimeException("wrapped", e))).contains(ConnectFailure.NO_RELAYED_PATH);
    assertThat(ConnectFailure.find(new io.vertx.core.eventbus.ReplyException(
        io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE, 403, "rejected by the peer"))).contains(ConnectFailure.REJECTED);
    assertThat(ConnectFailure.find(new io.vertx.core.eventbus.ReplyException(
        io.vertx.core.eventbus.ReplyFailure.TIMEOUT, -1, "timed out"))).isEmpty();
  }
}
