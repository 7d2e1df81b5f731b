package io.p2pquic.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReportTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Report.median(new double[] {5, 1, 3})).isEqualTo(3);
    assertThat(Report.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void loadTableShowsMediansMinMaxAndRatioPerLabel() {
    String lines = String.join("\n",
        run("a", 100, 10, 50), run("b", 200, 5, 40), run("a", 300, 30, 70), run("b", 400, 7, 60), run("a", 200, 20, 60));
    String md = Report.loadTables(lines);
    assertThat(md).contains("| responses/s | **200** (100-300) | **300** (200-400) | 0.67 |");
    assertThat(md).contains("| latency p50 (us) | **20** (10-30) | **6** (5-7) | 3.33 |");
    assertThat(md).contains("Runs: a 3, b 2");
  }

  @Test
  void jmhTableReadsScoreErrorAndAllocation() {
    String json = """
        [{"benchmark":"io.p2pquic.bench.StunCodecBenchmark.decode","mode":"avgt",
          "primaryMetric":{"score":222.4,"scoreError":3.25,"scoreUnit":"ns/op"},
          "secondaryMetrics":{"gc.alloc.rate.norm":{"score":544.0,"scoreError":"NaN","scoreUnit":"B/op"}}},
         {"benchmark":"x.Y.z","mode":"avgt","primaryMetric":{"score":2.5,"scoreError":"NaN","scoreUnit":"ns/op"},
          "secondaryMetrics":{}}]
        """;
    String md = Report.jmhTable(json);
    assertThat(md).contains("| decode | avgt | 222 | 3.25 | ns/op | 544 |");
    assertThat(md).contains("| z | avgt | 2.50 | - | ns/op | - |");
  }

  private static String run(String label, double rps, double p50, double p99) {
    return String.format(java.util.Locale.ROOT,
        "{\"label\":\"%s\",\"sockets\":4,\"window\":8,\"responsesPerSecond\":%s,\"p50Us\":%s,\"p99Us\":%s,"
            + "\"p999Us\":%s,\"maxUs\":1,\"lossPercent\":0.0,\"sent\":1,\"lost\":0,\"late\":0,\"bad\":0,"
            + "\"responseBytes\":52,\"responseAttributes\":\"XOR-MAPPED-ADDRESS\"}",
        label, rps, p50, p99, p99);
  }
}
