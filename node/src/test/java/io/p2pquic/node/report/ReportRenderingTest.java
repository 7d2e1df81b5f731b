package io.p2pquic.node.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report's Markdown and SVG from fixed cells, and the expectations table. */
class ReportRenderingTest {
  private static final CellResult ICE_DIRECT = new CellResult("port-restricted", "port-restricted", "ice", 0, 3,
      List.of(530.0, 512.5, 601.0), Map.of("direct", 3), List.of(), false, Expectation.DIRECT);
  private static final CellResult AUTO_DIRECT = new CellResult("port-restricted", "port-restricted", "auto", 0, 3,
      List.of(520.0, 500.0, 540.0), Map.of("direct", 3), List.of(), false, Expectation.DIRECT);
  private static final CellResult ICE_FAILS = new CellResult("symmetric", "symmetric", "ice", 0, 2,
      List.of(), Map.of(), List.of("no direct path: ICE failed | all pairs failed", "no direct path"), false, Expectation.FAILS);
  private static final CellResult AUTO_RELAYED_ONCE = new CellResult("symmetric", "symmetric", "auto", 0, 2,
      List.of(575.0), Map.of("relayed", 1), List.of("timed out"), false, Expectation.RELAYED);
  private static final CellResult TCP_NA = CellResult.failed("symmetric", "symmetric", "tcp", 0, 2,
      "error: method tcp is not available; supported: auto, ice", Expectation.FAILS);
  private static final List<CellResult> CELLS = List.of(ICE_DIRECT, AUTO_DIRECT, ICE_FAILS, AUTO_RELAYED_ONCE, TCP_NA);

  @Test
  void markdownHasTheOverviewTheFastestMethodAndEveryCell() {
    String md = MarkdownReport.render("T", List.of("produced by X"), CELLS);
    assertThat(md).startsWith("# T\n\nproduced by X\n");
    assertThat(md).contains("| pair | ice | auto | tcp | hard-NAT punching (auto) |\n| --- | ---: | ---: | ---: | --- |\n"
        + "| port-restricted → port-restricted | 530 | 520 |  | not needed |\n"
        + "| symmetric → symmetric | ✗ | 575 (r) 1/2 ⚠ | n/a | not possible: both map per destination |\n");
    assertThat(md).contains("| port-restricted → port-restricted | auto (direct) | 520 | ice (direct) | 530 | 10 ms (2%) |");
    assertThat(md).contains("| symmetric → symmetric | auto (relayed) | 575 |  |  |  |");
    assertThat(md).contains("| port-restricted → port-restricted | ice | 3/3 | 530 | 513 | 601 | direct | direct | yes |  |");
    assertThat(md).contains("| symmetric → symmetric | ice | 0/2 |  |  |  | - | fails | yes | no direct path: ICE failed \\| all pairs "
        + "failed |");
    assertThat(md).contains("| symmetric → symmetric | auto | 1/2 | 575 | 575 | 575 | relayed | relayed | **no** | timed out |");
    assertThat(md).contains("| symmetric → symmetric | tcp | n/a | | | | | fails | | error: method tcp is not available; supported: auto, "
        + "ice |");
  }

  @Test
  void svgIsWellFormedWithABarPerConnectedCellAndACrossPerFailedOne() throws Exception {
    String svg = SvgChart.render("T & <chart>", CELLS);
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
    NodeList rects = doc.getElementsByTagName("rect");
    int bars = 0;
    for (int i = 0; i < rects.getLength(); i++) {
      Element r = (Element) rects.item(i);
      if ("bar".equals(r.getAttribute("class"))) {
        bars++;
        assertThat(Double.parseDouble(r.getAttribute("height"))).isPositive();
      }
    }
    assertThat(bars).as("ice/auto direct and auto relayed").isEqualTo(3);
    NodeList texts = doc.getElementsByTagName("text");
    int crosses = 0;
    for (int i = 0; i < texts.getLength(); i++) {
      if ("failed".equals(((Element) texts.item(i)).getAttribute("class"))) {
        crosses++;
      }
    }
    assertThat(crosses).as("ice on symmetric/symmetric; n/a cells get nothing").isEqualTo(1);
    assertThat(svg).contains("T &amp; &lt;chart&gt;");
    assertThat(SvgChart.niceCeiling(601)).isEqualTo(1000);
    assertThat(SvgChart.niceCeiling(1500)).isEqualTo(2000);
  }

  @Test
  void cellsReadConnectOutputIncludingFailedRunsAndDcutrOutcomes() {
    JsonObject doc = new JsonObject("""
        {"runs": [
          {"path": "relayed", "timings": {"firstByteMs": 700.5}, "dcutr": {"path": "direct"}},
          {"error": "no connection to pq1x within 15000 ms\\nmore", "failedAfterMs": 15000},
          {"path": "relayed", "timings": {"firstByteMs": 650.0}, "dcutr": {"path": "relayed"}}
        ]}""");
    CellResult c = CellResult.fromConnectOutput("full-cone", "symmetric", "dcutr", 5, 3, doc, Expectation.DIRECT);
    assertThat(c.successes()).isEqualTo(2);
    assertThat(c.median()).isEqualTo(675.25);
    assertThat(c.paths()).containsEntry("direct", 1).containsEntry("relayed", 1);
    assertThat(c.errors()).containsExactly("no connection to pq1x within 15000 ms");
    assertThat(c.asExpected()).isFalse();
    assertThat(CellResult.fromJson(c.toJson())).isEqualTo(c);
  }

  @Test
  void upgradesToDirectAreReadAndListedWithWhatDidIt() {
    JsonObject doc = new JsonObject("""
        {"runs": [
          {"path": "relayed", "finalPath": "direct", "directAfterMs": 3100.5, "timings": {"firstByteMs": 640.0}},
          {"path": "relayed", "finalPath": "direct", "directAfterMs": 2900.5, "timings": {"firstByteMs": 610.0}},
          {"path": "relayed", "finalPath": "relayed", "timings": {"firstByteMs": 600.0}}
        ]}""");
    CellResult c = CellResult.fromConnectOutput("port-restricted", "symmetric", "auto", 0, 3, doc, Expectation.DIRECT);
    assertThat(c.directAfterMs()).containsExactly(3100.5, 2900.5);
    assertThat(c.medianDirectAfterMs()).isEqualTo(3000.5);
    assertThat(CellResult.fromJson(c.toJson())).isEqualTo(c);
    String md = MarkdownReport.render("T", List.of(), List.of(c, AUTO_DIRECT));
    assertThat(md).contains("## Upgrades from the relay to a direct path")
        .contains("| port-restricted → symmetric | auto | 2/3 | 3001 | hard-NAT punching |")
        .doesNotContain("| port-restricted → port-restricted | auto | 0/");
    CellResult cone = CellResult.fromConnectOutput("full-cone", "symmetric", "auto", 0, 3, doc, Expectation.DIRECT);
    assertThat(MarkdownReport.upgradedBy(cone)).startsWith("ICE");
    // the overview's hard-NAT column: what punching did where it is the only way, and why not elsewhere
    assertThat(md).contains("hard-NAT punching (auto) |").contains("| 2/3, 3.0 s |").contains("| not needed |");
    CellResult symSym = CellResult.fromConnectOutput("symmetric", "symmetric", "auto", 0, 3, doc, Expectation.RELAYED);
    assertThat(MarkdownReport.hardNat(symSym)).startsWith("not possible");
    CellResult mapped = CellResult.fromConnectOutput("symmetric", "symmetric+port-mapping", "auto", 0, 3, doc,
        Expectation.DIRECT);
    assertThat(MarkdownReport.hardNat(mapped)).isEqualTo("not needed");
    assertThat(MarkdownReport.upgradedBy(mapped)).startsWith("ICE");
  }

  @Test
  void pairsWithVariantsParseAndPrintBack() {
    NatPair p = NatPair.parse("symmetric/symmetric+port-mapping");
    assertThat(p.variant()).isEqualTo(NatPair.Variant.PORT_MAPPING);
    assertThat(p.toString()).isEqualTo("symmetric/symmetric+port-mapping");
    assertThat(p.toLabel()).isEqualTo("symmetric+port-mapping");
    assertThat(NatPair.parse("sym/sym+same-lan").variant()).isEqualTo(NatPair.Variant.SAME_LAN);
    assertThat(NatPair.parse("port/symmetric")).isEqualTo(new NatPair(RouterNat.PORT_RESTRICTED, RouterNat.SYMMETRIC));
    assertThatThrownBy(() -> NatPair.parse("port/symmetric+same-lan")).hasMessageContaining("one router");
    assertThatThrownBy(() -> NatPair.parse("sym/sym+hairpin")).hasMessageContaining("same-lan, port-mapping or ipv6");
    assertThat(NatPair.full()).hasSize(13).containsAll(NatPair.all()).containsAll(NatPair.variants());
    NatPair v6 = NatPair.parse("symmetric/symmetric+ipv6");
    assertThat(Expectations.of("ice", v6)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("relay", v6)).isEqualTo(Expectation.RELAYED);
    assertThat(Expectations.of("ice", new NatPair(RouterNat.SYMMETRIC, RouterNat.SYMMETRIC))).isEqualTo(Expectation.FAILS);
  }

  @Test
  void expectationsFollowTheNatBehaviours() {
    RouterNat fc = RouterNat.FULL_CONE;
    RouterNat pr = RouterNat.PORT_RESTRICTED;
    RouterNat ar = RouterNat.ADDRESS_RESTRICTED;
    RouterNat sym = RouterNat.SYMMETRIC;
    assertThat(Expectations.of("ice", pr, pr)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("ice", pr, sym)).isEqualTo(Expectation.FAILS);
    assertThat(Expectations.of("ice", ar, sym)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("auto", sym, sym)).isEqualTo(Expectation.RELAYED);
    assertThat(Expectations.of("auto", pr, sym)).as("hard-NAT punching").isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("auto", sym, pr)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("dcutr", pr, sym)).isEqualTo(Expectation.RELAYED);
    assertThat(Expectations.of("relay", fc, fc)).isEqualTo(Expectation.RELAYED);
    assertThat(Expectations.of("dcutr", fc, sym)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("tcp", fc, sym)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("tcp", pr, sym)).isEqualTo(Expectation.FAILS);
    assertThat(Expectations.of("tcp", ar, pr)).isEqualTo(Expectation.DIRECT);
    assertThat(Expectations.of("quic-native", pr, sym)).isEqualTo(Expectation.FAILS);
    assertThat(Expectations.of("carrier-pigeon", pr, pr)).isEqualTo(Expectation.UNKNOWN);
  }
}
