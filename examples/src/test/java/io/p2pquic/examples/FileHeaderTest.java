package io.p2pquic.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The receiver writes where the header says only when it names a plain file. */
class FileHeaderTest {
  private static final String SHA = "0".repeat(64);

  @Test
  void aHeaderLineRoundTrips() {
    FileHeader h = new FileHeader("report.pdf", 12345, SHA);
    String line = h.toLine().toString();
    assertThat(line).endsWith("\n");
    assertThat(FileHeader.parse(line.trim())).isEqualTo(h);
  }

  @Test
  void namesThatLeaveTheOutputDirectoryAreRefused() {
    for (String name : new String[] {"../escape", "..", "a/b", "/etc/passwd", ".hidden", ""}) {
      assertThatThrownBy(() -> new FileHeader(name, 1, SHA)).as(name).hasMessageContaining("not a plain file name");
    }
  }

  @Test
  void aLineThatIsNotAHeaderSaysWhy() {
    assertThatThrownBy(() -> FileHeader.parse("GET / HTTP/1.1")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> FileHeader.parse("{\"name\":\"a\",\"size\":1,\"sha256\":\"xyz\"}"))
        .hasMessageContaining("sha256");
    assertThatThrownBy(() -> FileHeader.parse("{\"name\":\"a\",\"sha256\":\"" + SHA + "\"}"))
        .hasMessageContaining("negative size");
  }
}
