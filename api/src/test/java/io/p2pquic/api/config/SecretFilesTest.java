package io.p2pquic.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: secret and identity files were loaded whatever their permissions. */
class SecretFilesTest {
  @TempDir Path dir;

  @Test
  void onlyOwnerOnlyFilesPassQuietly() throws Exception {
    Path f = Files.writeString(dir.resolve("secret"), "s3cret");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertThat(SecretFiles.exposure(f)).isNull();
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
    assertThat(SecretFiles.exposure(f)).isNull();
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    assertThat(SecretFiles.exposure(f)).contains("its group").contains("chmod 600 " + f);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(SecretFiles.exposure(f)).contains("other users").contains("rw-r--r--");
  }
}
