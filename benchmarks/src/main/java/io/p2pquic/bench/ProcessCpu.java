package io.p2pquic.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time of the load generator itself and of the servers it measures, read the same way by every generator. */
final class ProcessCpu {

  private ProcessCpu() {
  }

  /** This JVM's CPU time (all threads) in nanoseconds, or 0 where the platform does not say. */
  static long thisJvmNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.max(0, os.getProcessCpuTime());
    }
    return 0;
  }

  /**
   * utime + stime of the given processes from /proc/PID/stat in clock ticks (USER_HZ, 100 on Linux x86), all
   * their threads included; -1 when there are none or one is unreadable.
   */
  static long ticks(List<Long> pids) {
    if (pids.isEmpty()) {
      return -1;
    }
    long total = 0;
    for (long pid : pids) {
      if (pid <= 0) {
        return -1;
      }
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return total;
  }
}
