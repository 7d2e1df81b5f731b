package io.p2pquic.api.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files that hold secrets (identity keys, the TURN and cluster secrets) should be readable by their
 * owner only; this says so when one is not, so the caller can warn at start. Not an error: a
 * container's mounted secret may be group-readable on purpose.
 */
public final class SecretFiles {
  private static final Set<PosixFilePermission> SHARED = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private SecretFiles() {}

  /**
   * Null when {@code file} is private to its owner (or the file system has no POSIX permissions),
   * else a sentence saying who else can read or write it and how to fix that.
   */
  public static String exposure(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> shared = EnumSet.copyOf(SHARED);
      shared.retainAll(perms);
      if (shared.isEmpty()) {
        return null;
      }
      boolean others = shared.contains(PosixFilePermission.OTHERS_READ) || shared.contains(PosixFilePermission.OTHERS_WRITE);
      return file + " holds a secret but is accessible to " + (others ? "other users" : "its group") + " ("
          + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file;
    } catch (UnsupportedOperationException | IOException e) {
      return null;
    }
  }
}
