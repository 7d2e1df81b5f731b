package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 14: the rendezvous's dashboard, then a peer's, in a real browser (Debian's chromium, headless, through its
 * chromedriver). A rendezvous and two peers run in this JVM; the page, opened once with the operator
 * token, shows both registered peers, then the sessions alice opens to bob (method auto, which goes direct
 * on loopback, and method relay) with the path their peers report, without being reloaded. Saves
 * dashboard.png; then alice's own dashboard (control endpoint) shows her sessions and byte rates
 * (peer-dashboard.png). The pictures go to node/target, or with -Dp2p.screenshots.update=true to docs/.
 * Without chromium and chromedriver the test is skipped, except with CI=true, where it fails (.ci/run
 * installs both).
 */
class DashboardBrowserTest {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final String TOKEN = "dashboard-test-token-0123456789";

  private Vertx vertx;
  private WebDriver browser;
  private Path profile;

  @BeforeEach
  void browserOrSkip() {
    String missing = !new File(CHROMIUM).canExecute() ? CHROMIUM
        : !new File(CHROMEDRIVER).canExecute() ? CHROMEDRIVER : null;
    io.p2pquic.testsupport.RealPeers.require(missing == null, missing + " is missing; install Debian's chromium and "
        + "chromium-driver to run the dashboard's browser test (.ci/run installs both)");
  }

  @AfterEach
  void down() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void showsPeersAndSessionsAsTheyComeWithoutReloading() throws Exception {
    vertx = Vertx.vertx();
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(LoopbackCast.rendezvousJson(new JsonObject()
        .put("admin", new JsonObject().put("token", TOKEN))
        .put("signalling", new JsonObject().put("nodeId", "rv-1").put("quicPort", -1))
        .put("turn", new JsonObject().put("grant", "all-registered")
            .put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12",
                "192.168.0.0/16", "fc00::/7")))))), metrics);
    await(vertx.deployVerticle(rendezvous));
    PeerConfig cfg = LoopbackCast.peerConfig(rendezvous);
    Timeline timeline = new Timeline();
    PeerNode alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
    PeerNode bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
    String aliceId = alice.puncher.peerId().value();
    String bobId = bob.puncher.peerId().value();

    browser = chromium();
    browser.get("http://127.0.0.1:" + rendezvous.httpPort() + "/dashboard/?token=" + TOKEN);
    // The page replaces its tables on every snapshot: an element found a moment ago may be gone.
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(100));
    wait.ignoring(StaleElementReferenceException.class);
    wait.withMessage("both registered peers on the page")
        .until(d -> !d.findElements(By.cssSelector("tr[data-peer='" + aliceId + "']")).isEmpty()
            && !d.findElements(By.cssSelector("tr[data-peer='" + bobId + "']")).isEmpty());
    assertThat(text(By.id("status"))).startsWith("live");
    assertThat(text(By.cssSelector("tr[data-peer='" + aliceId + "']"))).contains("ws");
    // Marks this page load: a reload would lose it.
    ((JavascriptExecutor) browser).executeScript("window.sameLoad = 'issue-14';");

    JsonObject direct = connect(alice, bobId, "auto");
    assertThat(await(PeerNode.echo(vertx, direct, Buffer.buffer("dashboard"))).toString()).isEqualTo("dashboard");
    String directRow = "tr[data-session='" + direct.getString("sessionId") + "']";
    wait.withMessage("the auto session, direct on loopback, as its peers report")
        .until(d -> !d.findElements(By.cssSelector(directRow)).isEmpty()
            && "auto".equals(d.findElement(By.cssSelector(directRow + " td.method")).getText())
            && "direct".equals(d.findElement(By.cssSelector(directRow + " td.path")).getText()));
    assertThat(text(By.cssSelector(directRow + " td.state"))).isEqualTo("connected");
    assertThat(text(By.cssSelector(directRow + " td.rtt"))).endsWith(" ms");

    JsonObject relayed = connect(alice, bobId, "relay");
    assertThat(await(PeerNode.echo(vertx, relayed, Buffer.buffer("via the relay"))).toString()).isEqualTo("via the relay");
    String relayedRow = "tr[data-session='" + relayed.getString("sessionId") + "']";
    // Which relay: the TURN server's address from alice, "the peer's relay" from bob (the last report counts).
    wait.withMessage("the relay session, relayed")
        .until(d -> !d.findElements(By.cssSelector(relayedRow)).isEmpty()
            && d.findElement(By.cssSelector(relayedRow + " td.path")).getText().startsWith("relayed via "));
    assertThat(text(By.cssSelector(relayedRow + " td.method"))).isEqualTo("relay");
    wait.withMessage("this node's relay and its allocations")
        .until(d -> !d.findElements(By.cssSelector("tr[data-relay='rv-1']")).isEmpty()
            && !"0".equals(d.findElement(By.id("tile-alloc")).getText()));
    assertThat(((JavascriptExecutor) browser).executeScript("return window.sameLoad;"))
        .as("the page was updated in place, never reloaded").isEqualTo("issue-14");

    // A few more rate samples for the chart, then the picture for the docs.
    for (int i = 0; i < 6; i++) {
      await(PeerNode.echo(vertx, relayed, Buffer.buffer("x".repeat(1000))));
      Thread.sleep(1_000);
    }
    // Pictures go to target/ on every run; -Dp2p.screenshots.update=true writes the committed ones in docs/.
    Path pictures = Boolean.getBoolean("p2p.screenshots.update") ? Path.of("..", "docs") : Path.of("target");
    Files.createDirectories(pictures);
    Files.write(pictures.resolve("dashboard.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

    // The peer's own dashboard on its control endpoint: both of alice's sessions with method and path, and
    // byte rates that move while data flows, again without a reload.
    int controlPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      controlPort = free.getLocalPort();
    }
    await(ControlServer.start(vertx, alice, metrics, controlPort));
    browser.get("http://127.0.0.1:" + controlPort + "/dashboard");
    ((JavascriptExecutor) browser).executeScript("window.sameLoad = 'peer';");
    wait.withMessage("alice's two sessions on her dashboard, with method and path")
        .until(d -> !d.findElements(By.cssSelector(directRow + " td.path")).isEmpty()
            && "direct".equals(d.findElement(By.cssSelector(directRow + " td.path")).getText())
            && d.findElement(By.cssSelector(relayedRow + " td.path")).getText().startsWith("relayed via "));
    assertThat(text(By.cssSelector(directRow + " td.method"))).isEqualTo("auto");
    assertThat(text(By.cssSelector(relayedRow + " td.rtt"))).endsWith(" ms");
    assertThat(text(By.id("tile-signalling"))).isEqualTo("registered");
    for (int i = 0; i < 5; i++) {
      EchoTransfer.sendAndVerify(vertx, direct, 256 * 1024, 16 * 1024, i, null);
      Thread.sleep(600);
    }
    wait.withMessage("bytes received per second above zero while data flows")
        .until(d -> d.findElement(By.id("tile-in")).getText().matches(".*(KiB|MiB)"));
    assertThat(((JavascriptExecutor) browser).executeScript("return window.sameLoad;")).isEqualTo("peer");
    Files.write(pictures.resolve("peer-dashboard.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  /** The element's text now, found again if the page replaced it in between. */
  private String text(By what) {
    for (int attempt = 0; ; attempt++) {
      try {
        return browser.findElement(what).getText();
      } catch (StaleElementReferenceException e) {
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  private JsonObject connect(PeerNode from, String to, String method) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(from.puncher.peerId()),
            new JsonObject().put("peer", to).put("method", method).put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000)).map(m -> m.body()));
  }

  private WebDriver chromium() throws Exception {
    profile = Files.createTempDirectory("p2p-dashboard-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1280,800", "--hide-scrollbars",
        "--user-data-dir=" + profile.toAbsolutePath());
    // The driver named explicitly: Selenium Manager would otherwise look for one (on the network).
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    // The page's own area at 1280x800 (--window-size counts the browser's frame too), for the screenshot.
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        java.util.Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
    return driver;
  }
}
