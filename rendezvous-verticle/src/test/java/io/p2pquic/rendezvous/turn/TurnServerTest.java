package io.p2pquic.rendezvous.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.p2pquic.stun.FlagAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.UInt32Attribute;
import io.p2pquic.stun.UInt64Attribute;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay on real loopback sockets: a blocking client speaks TURN byte for byte through the STUN
 * server's listeners, peers are plain UDP sockets. Time is a settable clock, so lifetimes and nonces
 * expire without waiting for them.
 */
class TurnServerTest {
  static final String SECRET = "test-secret";
  static final int CHANNEL = 0x4001;

  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
  private Vertx vertx;
  private StunServer stun;
  private TurnServer turn;

  @AfterEach
  void tearDown() throws Exception {
    if (stun != null) {
      io.p2pquic.testsupport.Await.await(stun.stop());
    }
    if (vertx != null) {
      io.p2pquic.testsupport.Await.await(vertx.close());
    }
  }

  private TurnServerConfig config() {
    return new TurnServerConfig().setAuthSecrets(List.of(SECRET)).setRelayAddress("127.0.0.1")
        .setAllowedPeerRanges(List.of("127.0.0.0/8")).setPortRange("40000-49999");
  }

  private void start(TurnServerConfig cfg) throws Exception {
    vertx = Vertx.vertx();
    turn = new TurnServer(vertx, cfg, "127.0.0.1", "test", metrics, clock::get);
    // Two event loops read the port on any machine: clients spread over both (SO_REUSEPORT), so every
    // test here also runs allocations on a sibling relay.
    stun = new StunServer(vertx, new StunServerConfig().setBind("127.0.0.1").setPort(0).setUdpEventLoops(2), metrics, turn);
    io.p2pquic.testsupport.Await.await(stun.start());
  }

  private TurnTestClient udpClient(String user) throws Exception {
    return TurnTestClient.udp(stun.udpAddress()).secret(SECRET, user);
  }

  private static DatagramSocket peer() throws Exception {
    DatagramSocket p = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    p.setSoTimeout(3000);
    return p;
  }

  private static InetSocketAddress addr(DatagramSocket s) {
    return (InetSocketAddress) s.getLocalSocketAddress();
  }

  private static InetSocketAddress relayed(StunMessage allocateSuccess) {
    return allocateSuccess.address(StunAttributeType.XOR_RELAYED_ADDRESS).orElseThrow();
  }

  private static int code(StunMessage m) {
    return m.errorCode().map(e -> e.code()).orElse(0);
  }

  private double count(String name, String tag, String value) {
    Counter c = metrics.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  private static byte[] receive(DatagramSocket s, int timeoutMs) throws Exception {
    s.setSoTimeout(timeoutMs);
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      s.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return Arrays.copyOf(buf, p.getLength());
  }

  private static void send(DatagramSocket from, InetSocketAddress to, byte[] data) throws Exception {
    from.send(new DatagramPacket(data, data.length, to));
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    io.p2pquic.testsupport.Await.until(condition, java.time.Duration.ofSeconds(5), "the condition");
  }

  // ---- authentication ----------------------------------------------------------------------------

  @Test
  void firstAllocateIsChallengedThenSucceedsWithIntegrity() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice")) {
      StunMessage challenge = c.challenge();
      assertThat(challenge.string(StunAttributeType.REALM)).hasValue("p2p-quic");
      assertThat(challenge.string(StunAttributeType.NONCE)).isPresent();
      assertThat(challenge.hasMessageIntegrity()).isFalse();
      StunMessage ok = c.allocate();
      assertThat(ok.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(ok.verifyMessageIntegrity(c.key())).isTrue();
      InetSocketAddress relay = relayed(ok);
      assertThat(relay.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(relay.getPort()).isBetween(40000, 49999);
      assertThat(ok.uint32(StunAttributeType.LIFETIME)).hasValue(600L);
      assertThat(ok.mappedAddress()).hasValue(c.localAddress());
    }
    assertThat(turn.allocationCount()).isEqualTo(1);
    assertThat(metrics.counter(TurnMetrics.AUTH_CHALLENGES).count()).isEqualTo(1);
    assertThat(metrics.counter(TurnMetrics.ALLOCATIONS_CREATED).count()).isEqualTo(1);
  }

  /**
   * Unauthenticated Allocates from one (non-loopback) source: only the burst (twice the rate) gets a 401
   * challenge; the rest are dropped and counted, so a spoofed source cannot turn the relay into a reflector.
   */
  @Test
  void challengesToOneSourceAreRateLimited() throws Exception {
    InetAddress own = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(java.net.NetworkInterface::inetAddresses)
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst().orElse(null);
    assertThat(own).as("this test needs a non-loopback IPv4 address on the host").isNotNull();
    vertx = Vertx.vertx();
    turn = new TurnServer(vertx, config().setRejectRates(5, 1000), own.getHostAddress(), "test", metrics, clock::get);
    stun = new StunServer(vertx, new StunServerConfig().setBind(own.getHostAddress()).setPort(0), metrics, turn);
    io.p2pquic.testsupport.Await.await(stun.start());
    io.p2pquic.stun.StunMessageEncoder encoder = new io.p2pquic.stun.StunMessageEncoder();
    int answered = 0;
    try (DatagramSocket client = new DatagramSocket(0, own)) {
      for (int i = 0; i < 30; i++) {
        byte[] req = encoder.encodeToBytes(StunMessage.builder(StunMessageType.of(StunMethod.ALLOCATE, StunClass.REQUEST))
            .add(StunAttributes.requestedTransport(17)).build());
        send(client, stun.udpAddress(), req);
      }
      while (receive(client, 300) != null) {
        answered++;
      }
    }
    assertThat(answered).as("the burst (twice the rate of 5/s), give or take the refill").isBetween(10, 12);
    assertThat(count("p2p.turn.dropped", "reason", "rate-limited")).isBetween(18.0, 20.0);
    assertThat(metrics.counter(TurnMetrics.AUTH_CHALLENGES).count()).isEqualTo(answered);
  }

  @Test
  void rejectRatesRoundTripThroughJsonAndAreChecked() {
    TurnServerConfig c = config().setRejectRates(7, 700);
    assertThat(TurnServerConfig.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
    assertThat(c.toJson().getDouble("rejectRatePerIp")).isEqualTo(7.0);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> config().setRejectRates(0, 10).validate())
        .hasMessageContaining("turn.rejectRatePerIp");
  }

  /**
   * Two peers relayed by the same node (both sides behind symmetric NATs, or one host): the relay's own
   * address is a permitted peer with no allowedPeerRanges, but only at live allocations' relay ports; a
   * listener on the host's own address at any other port gets nothing through the relay.
   */
  @Test
  void relayToRelayOnOneNodeWorksWhileTheHostsOtherPortsStayUnreachable() throws Exception {
    start(config().setAllowedPeerRanges(List.of()));
    try (TurnTestClient alice = udpClient("alice"); TurnTestClient bob = udpClient("bob");
         DatagramSocket service = peer()) {
      InetSocketAddress aliceRelay = relayed(alice.allocate());
      InetSocketAddress bobRelay = relayed(bob.allocate());
      assertThat(alice.createPermission(bobRelay).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(bob.createPermission(aliceRelay).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      alice.sendIndication(bobRelay, "relay to relay".getBytes(StandardCharsets.UTF_8));
      StunMessage data = TurnTestClient.DECODER.decode(bob.receiveRaw(3000));
      assertThat(data.attribute(StunAttributeType.DATA).map(a -> new String(((RawAttribute) a).value(),
          StandardCharsets.UTF_8))).hasValue("relay to relay");
      assertThat(data.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(aliceRelay);

      // The same own address at a port that is no relay: permitted by IP (RFC 8656 permissions have no
      // port), refused per datagram both ways.
      InetSocketAddress other = addr(service);
      assertThat(alice.createPermission(other).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      alice.sendIndication(other, "to the host".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(service, 300)).isNull();
      send(service, aliceRelay, "from the host".getBytes(StandardCharsets.UTF_8));
      assertThat(alice.receiveRaw(300)).isNull();
      eventually(() -> count("p2p.turn.dropped", "reason", "peer-relay-itself") >= 2);
    }
  }

  /**
   * Issue 15: with the relay bound to one address, a listener on the host's other address was reachable
   * through the relay both ways (own addresses were only the bind and advertised ones).
   */
  @Test
  void theHostsOtherAddressesAreOwnAddressesToo() throws Exception {
    InetAddress second = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(java.net.NetworkInterface::inetAddresses)
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst().orElse(null);
    assertThat(second).as("this test needs a non-loopback IPv4 address on the host").isNotNull();
    start(config().setAllowedPeerRanges(List.of()));
    try (TurnTestClient alice = udpClient("alice"); DatagramSocket service = new DatagramSocket(0, second)) {
      service.setSoTimeout(3000);
      InetSocketAddress aliceRelay = relayed(alice.allocate());
      InetSocketAddress target = new InetSocketAddress(second, service.getLocalPort());
      assertThat(alice.createPermission(target).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      alice.sendIndication(target, "to the host".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(service, 300)).isNull();
      send(service, aliceRelay, "from the host".getBytes(StandardCharsets.UTF_8));
      assertThat(alice.receiveRaw(300)).isNull();
      eventually(() -> count("p2p.turn.dropped", "reason", "peer-relay-itself") >= 2);
    }
  }

  @Test
  void everyPortOfTheRangeIsUsedBeforeInsufficientCapacity() throws Exception {
    // 200 ports above the kernel's ephemeral range (so no other socket of this JVM takes one), one taken
    // by someone else: 199 allocations fill the rest, the next gets 508. Random picks alone (40 tries)
    // gave up with ports still free: at the last free port they miss it 82% of the time.
    int size = 200;
    int base = 0;
    DatagramSocket squatter = null;
    for (int tries = 0; tries < 20 && squatter == null; tries++) {
      base = 61000 + new java.util.Random().nextInt(65535 - 61000 - size);
      try {
        squatter = new DatagramSocket(new InetSocketAddress("127.0.0.1", base + 2));
      } catch (java.net.BindException e) {
        // taken: pick another range
      }
    }
    assertThat(squatter).as("a free port to squat on").isNotNull();
    start(config().setPortRange(base + "-" + (base + size - 1)).setMaxAllocations(0).setMaxAllocationsPerIp(0));
    List<TurnTestClient> clients = new java.util.ArrayList<>();
    try {
      java.util.Set<Integer> ports = new java.util.HashSet<>();
      for (int i = 0; i < size - 1; i++) {
        TurnTestClient c = udpClient("user" + i);
        clients.add(c);
        StunMessage ok = c.allocate();
        assertThat(ok.messageClass()).as("allocation %d: %s", i, ok).isEqualTo(StunClass.SUCCESS_RESPONSE);
        ports.add(relayed(ok).getPort());
      }
      assertThat(ports).hasSize(size - 1).doesNotContain(base + 2).allMatch(p -> p >= 61000 && p <= 65535);
      TurnTestClient full = udpClient("user-last");
      clients.add(full);
      assertThat(code(full.allocate())).isEqualTo(508);
    } finally {
      for (TurnTestClient c : clients) {
        c.close();
      }
      squatter.close();
    }
  }

  @Test
  void sha256IntegrityIsAcceptedAndAnsweredInKind() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice")) {
      c.challenge();
      StunMessage ok = c.exchange(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(17)).add(StunAttributes.username(c.username))
          .add(StunAttributes.realm(c.realm)).add(StunAttributes.nonce(c.nonce))
          .messageIntegritySha256(c.key()).build());
      assertThat(ok.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(ok.hasMessageIntegritySha256()).isTrue();
      assertThat(ok.verifyMessageIntegrity(c.key())).isTrue();
    }
  }

  @Test
  void staleNonceGets438WithAFreshNonceThatWorks() throws Exception {
    start(config().setNonceLifetimeSeconds(60));
    try (TurnTestClient c = udpClient("alice")) {
      assertThat(c.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      clock.addAndGet(61_000);
      StunMessage stale = c.refresh(600);
      assertThat(code(stale)).isEqualTo(438);
      String fresh = stale.string(StunAttributeType.NONCE).orElseThrow();
      assertThat(fresh).isNotEqualTo(c.nonce);
      assertThat(stale.string(StunAttributeType.REALM)).hasValue("p2p-quic");
      c.nonce = fresh;
      assertThat(c.refresh(600).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    assertThat(count(TurnMetrics.AUTH_FAILURES, "reason", "stale-nonce")).isEqualTo(1);
  }

  @Test
  void wrongPasswordGets401AndChangesNothing() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      String goodPassword = c.password;
      c.password = "wrong";
      StunMessage denied = c.allocate();
      assertThat(code(denied)).isEqualTo(401);
      assertThat(denied.hasMessageIntegrity()).isFalse();
      assertThat(turn.allocationCount()).isZero();
      // With an allocation in place, a forged CreatePermission installs nothing.
      c.password = goodPassword;
      InetSocketAddress relay = relayed(c.allocate());
      c.password = "wrong";
      assertThat(code(c.createPermission(addr(p)))).isEqualTo(401);
      send(p, relay, "hello".getBytes(StandardCharsets.UTF_8));
      assertThat(c.receiveRaw(300)).isNull();
      eventually(() -> count(TurnMetrics.DROPPED, "reason", "no-permission") == 1);
    }
    assertThat(count(TurnMetrics.AUTH_FAILURES, "reason", "bad-integrity")).isEqualTo(2);
  }

  @Test
  void expiredUsernameGets401() throws Exception {
    start(config());
    TurnRestCredentials old = TurnRestCredentials.issue(SECRET.getBytes(StandardCharsets.UTF_8), "alice",
        Instant.ofEpochMilli(clock.get()).minusSeconds(1));
    try (TurnTestClient c = TurnTestClient.udp(stun.udpAddress()).credentials(old.username(), old.password())) {
      assertThat(code(c.allocate())).isEqualTo(401);
    }
    assertThat(turn.allocationCount()).isZero();
    assertThat(count(TurnMetrics.AUTH_FAILURES, "reason", "expired-username")).isEqualTo(1);
  }

  @Test
  void rotatedSecretStillAcceptsCredentialsOfThePreviousOne() throws Exception {
    start(config().setAuthSecrets(List.of("new-secret", SECRET)));
    try (TurnTestClient c = udpClient("alice")) {
      assertThat(c.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    TurnRestCredentials issued = turn.issueCredentials("bob");
    assertThat(TurnRestCredentials.verify("new-secret".getBytes(StandardCharsets.UTF_8), issued.username(),
        issued.password())).isTrue();
  }

  // ---- allocation lifecycle --------------------------------------------------------------------------

  @Test
  void allocateRefreshAndDelete() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice")) {
      assertThat(c.allocate(StunMessage.builder(TurnTestClient.ALLOCATE).add(StunAttributes.requestedTransport(17))
          .add(StunAttributes.lifetime(1200))).uint32(StunAttributeType.LIFETIME)).hasValue(1200L);
      assertThat(c.refresh(99_999).uint32(StunAttributeType.LIFETIME)).hasValue(3600L);
      assertThat(c.refresh(30).uint32(StunAttributeType.LIFETIME)).hasValue(600L);
      StunMessage deleted = c.refresh(0);
      assertThat(deleted.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(deleted.uint32(StunAttributeType.LIFETIME)).hasValue(0L);
      assertThat(turn.allocationCount()).isZero();
      assertThat(code(c.refresh(600))).isEqualTo(437);
      assertThat(c.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    assertThat(metrics.counter(TurnMetrics.ALLOCATIONS_DELETED).count()).isEqualTo(1);
  }

  @Test
  void retransmittedAllocateGetsTheSameResponseAndANewOneGets437() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice")) {
      c.challenge();
      StunMessage request = c.signed(StunMessage.builder(TurnTestClient.ALLOCATE).add(StunAttributes.requestedTransport(17)));
      byte[] bytes = TurnTestClient.ENCODER.encodeToBytes(request);
      StunMessage first = c.exchangeRaw(bytes, request.transactionId());
      StunMessage again = c.exchangeRaw(bytes, request.transactionId());
      assertThat(TurnTestClient.ENCODER.encodeToBytes(again)).isEqualTo(TurnTestClient.ENCODER.encodeToBytes(first));
      assertThat(relayed(again)).isEqualTo(relayed(first));
      assertThat(turn.allocationCount()).isEqualTo(1);
      assertThat(code(c.allocate())).isEqualTo(437);
    }
  }

  @Test
  void allocateRequestChecks() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice")) {
      c.challenge();
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE))))).isEqualTo(400);
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(6)))))).isEqualTo(442);
      StunMessage df = c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(17)).add(new FlagAttribute(StunAttributeType.DONT_FRAGMENT))));
      assertThat(code(df)).isEqualTo(420);
      assertThat(df.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES)).isPresent();
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(17))
          .add(new UInt32Attribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY, 0x02L << 24)))))).isEqualTo(440);
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(17))
          .add(new RawAttribute(StunAttributeType.EVEN_PORT, new byte[] {0}))
          .add(new UInt64Attribute(StunAttributeType.RESERVATION_TOKEN, 42)))))).isEqualTo(400);
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.ALLOCATE)
          .add(StunAttributes.requestedTransport(17))
          .add(new UInt64Attribute(StunAttributeType.RESERVATION_TOKEN, 42)))))).isEqualTo(508);
    }
    assertThat(turn.allocationCount()).isZero();
  }

  /**
   * Each round uses new client sockets, which the kernel spreads over the two event loops: in most of
   * the six rounds the token arrives on the other loop than the reservation, whose socket then moves.
   */
  @Test
  void evenPortWithReservationAndTheReservedPortTakenByToken() throws Exception {
    start(config());
    for (int round = 0; round < 6; round++) {
      StunMessage first;
      try (TurnTestClient c = udpClient("alice")) {
        first = c.allocate(StunMessage.builder(TurnTestClient.ALLOCATE).add(StunAttributes.requestedTransport(17))
            .add(new RawAttribute(StunAttributeType.EVEN_PORT, new byte[] {(byte) 0x80})));
        assertThat(first.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(relayed(first).getPort() % 2).isZero();
      }
      long token = first.uint64(StunAttributeType.RESERVATION_TOKEN).orElseThrow();
      try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
        StunMessage second = c.allocate(StunMessage.builder(TurnTestClient.ALLOCATE)
            .add(StunAttributes.requestedTransport(17)).add(new UInt64Attribute(StunAttributeType.RESERVATION_TOKEN, token)));
        assertThat(relayed(second).getPort()).as("round %d", round).isEqualTo(relayed(first).getPort() + 1);
        // The moved socket relays for its new allocation.
        assertThat(c.createPermission(addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        send(p, relayed(second), new byte[] {(byte) round});
        StunMessage data = TurnTestClient.DECODER.decode(c.receiveRaw(3000));
        assertThat(((RawAttribute) data.attribute(StunAttributeType.DATA).orElseThrow()).value()).containsExactly(round);
      }
    }
  }

  /** Quotas count across event loops: of eight clients (spread over both loops) exactly the quota gets in. */
  @Test
  void quotasHoldAcrossEventLoops() throws Exception {
    start(config().setMaxAllocationsPerUser(3));
    List<TurnTestClient> clients = new java.util.ArrayList<>();
    try {
      int allocated = 0;
      for (int i = 0; i < 8; i++) {
        TurnTestClient c = udpClient("alice");
        clients.add(c);
        StunMessage r = c.allocate();
        allocated += r.messageClass() == StunClass.SUCCESS_RESPONSE ? 1 : 0;
      }
      assertThat(allocated).isEqualTo(3);
      assertThat(turn.allocationCount()).isEqualTo(3);
      assertThat(count(TurnMetrics.QUOTA_REJECTIONS, "quota", "user")).isEqualTo(5);
    } finally {
      for (TurnTestClient c : clients) {
        c.close();
      }
    }
  }

  // ---- permissions, channels, relaying -----------------------------------------------------------------

  @Test
  void nothingIsRelayedWithoutAPermission() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      InetSocketAddress relay = relayed(c.allocate());
      send(p, relay, "unsolicited".getBytes(StandardCharsets.UTF_8));
      c.sendIndication(addr(p), "to peer".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(p, 300)).isNull();
      assertThat(c.receiveRaw(200)).isNull();
      eventually(() -> count(TurnMetrics.DROPPED, "reason", "no-permission") == 2);
      assertThat(c.createPermission(addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      c.sendIndication(addr(p), "to peer".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(p, 3000)).asString(StandardCharsets.UTF_8).isEqualTo("to peer");
    }
  }

  @Test
  void createPermissionWithSeveralPeersIsAllOrNothing() throws Exception {
    start(config().setAllowedPeerRanges(List.of("127.0.0.0/8")));
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p1 = peer(); DatagramSocket p2 = peer()) {
      InetSocketAddress relay = relayed(c.allocate());
      assertThat(code(c.createPermission(addr(p1), new InetSocketAddress("10.1.2.3", 5000)))).isEqualTo(403);
      send(p1, relay, "x".getBytes(StandardCharsets.UTF_8));
      assertThat(c.receiveRaw(300)).isNull();
      InetSocketAddress p2OnOtherIp = new InetSocketAddress("127.0.0.2", 5000);
      assertThat(c.createPermission(addr(p1), p2OnOtherIp).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      send(p1, relay, "y".getBytes(StandardCharsets.UTF_8));
      StunMessage data = TurnTestClient.DECODER.decode(c.receiveRaw(3000));
      assertThat(data.type()).isEqualTo(StunMessageType.of(StunMethod.DATA, StunClass.INDICATION));
      assertThat(data.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(addr(p1));
      assertThat(((RawAttribute) data.attribute(StunAttributeType.DATA).orElseThrow()).value()).containsExactly('y');
    }
  }

  @Test
  void channelBindRules() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket a = peer(); DatagramSocket b = peer()) {
      c.allocate();
      assertThat(code(c.channelBind(0x3FFF, addr(a)))).isEqualTo(400);
      assertThat(code(c.channelBind(0x8000, addr(a)))).isEqualTo(400);
      assertThat(code(c.exchange(c.signed(StunMessage.builder(TurnTestClient.CHANNEL_BIND)
          .add(StunAttributes.channelNumber(CHANNEL)))))).isEqualTo(400);
      assertThat(c.channelBind(CHANNEL, addr(a)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(code(c.channelBind(CHANNEL, addr(b)))).as("channel taken by another peer").isEqualTo(400);
      assertThat(code(c.channelBind(CHANNEL + 1, addr(a)))).as("peer bound to another channel").isEqualTo(400);
      assertThat(c.channelBind(CHANNEL, addr(a)).messageClass()).as("refresh").isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(c.channelBind(CHANNEL + 1, addr(b)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    assertThat(metrics.counter(TurnMetrics.CHANNELS_BOUND).count()).isEqualTo(2);
  }

  @Test
  void requestsWithoutAnAllocationGet437AndAnotherUsersCredentialsGet441() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      c.challenge();
      assertThat(code(c.createPermission(addr(p)))).isEqualTo(437);
      c.allocate();
      TurnTestClient other = udpClient("mallory");
      other.close();
      c.credentials(other.username, other.password);
      assertThat(code(c.createPermission(addr(p)))).isEqualTo(441);
    }
  }

  // ---- expiry ------------------------------------------------------------------------------------------

  @Test
  void permissionsChannelsAndAllocationsExpire() throws Exception {
    start(config().setPermissionLifetimeSeconds(5).setChannelLifetimeSeconds(10).setDefaultLifetimeSeconds(20));
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      InetSocketAddress relay = relayed(c.allocate());
      assertThat(c.channelBind(CHANNEL, addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      c.sendChannelData(CHANNEL, new byte[] {1});
      assertThat(receive(p, 3000)).containsExactly(1);

      clock.addAndGet(6_000); // permission gone, channel still bound
      c.sendChannelData(CHANNEL, new byte[] {2});
      send(p, relay, new byte[] {3});
      assertThat(receive(p, 300)).isNull();
      assertThat(c.receiveRaw(300)).isNull();

      assertThat(c.createPermission(addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      clock.addAndGet(5_000); // channel gone (11 s), permission renewed at 6 s still valid
      c.sendChannelData(CHANNEL, new byte[] {4});
      assertThat(receive(p, 300)).isNull();
      eventually(() -> count(TurnMetrics.DROPPED, "reason", "unknown-channel") == 1);

      clock.addAndGet(10_000); // 21 s: the allocation has expired; the sweep closes it
      eventually(() -> turn.allocationCount() == 0);
      assertThat(metrics.counter(TurnMetrics.ALLOCATIONS_EXPIRED).count()).isEqualTo(1);
      send(p, relay, new byte[] {5});
      assertThat(c.receiveRaw(300)).isNull();
    }
  }

  // ---- quotas and policy ----------------------------------------------------------------------------

  @Test
  void perUserAndTotalQuotasAnswer486() throws Exception {
    start(config().setMaxAllocationsPerUser(1).setMaxAllocations(2));
    try (TurnTestClient a1 = udpClient("alice"); TurnTestClient a2 = udpClient("alice");
        TurnTestClient b = udpClient("bob"); TurnTestClient c = udpClient("carol")) {
      assertThat(a1.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(code(a2.allocate())).isEqualTo(486);
      assertThat(b.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(code(c.allocate())).isEqualTo(486);
      assertThat(a1.refresh(0).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(a2.allocate().messageClass()).as("quota freed by the delete").isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    assertThat(count(TurnMetrics.QUOTA_REJECTIONS, "quota", "user")).isEqualTo(1);
    assertThat(count(TurnMetrics.QUOTA_REJECTIONS, "quota", "total")).isEqualTo(1);
  }

  /** Issue 15: one address took the whole port range with a handful of user names. */
  @Test
  void oneClientAddressCannotHoldMoreThanItsQuotaWhateverTheUserNames() throws Exception {
    start(config().setMaxAllocationsPerIp(2));
    try (TurnTestClient a = udpClient("u1"); TurnTestClient b = udpClient("u2"); TurnTestClient c = udpClient("u3")) {
      assertThat(a.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(b.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(code(c.allocate())).isEqualTo(486);
      assertThat(a.refresh(0).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(c.allocate().messageClass()).as("quota freed by the delete").isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
    assertThat(count(TurnMetrics.QUOTA_REJECTIONS, "quota", "ip")).isEqualTo(1);
  }

  @Test
  void bandwidthBeyondTheBucketIsDroppedAndCounted() throws Exception {
    start(config().setBandwidthBytesPerSecond(1000)); // bucket holds 64 KiB at least
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      c.allocate();
      c.channelBind(CHANNEL, addr(p));
      byte[] chunk = new byte[1200];
      for (int i = 0; i < 80; i++) {
        c.sendChannelData(CHANNEL, chunk);
      }
      eventually(() -> count(TurnMetrics.DROPPED, "reason", "bandwidth") > 0);
      assertThat(metrics.counter(TurnMetrics.RELAYED_PACKETS, "direction", "to-peer").count()).isBetween(50.0, 60.0);
    }
  }

  @Test
  void privateLoopbackAndOwnAddressesAreForbiddenUnlessAllowed() throws Exception {
    start(config().setAllowedPeerRanges(List.of()));
    try (TurnTestClient c = udpClient("alice")) {
      c.allocate();
      // The relay's own address (127.0.0.1 here): a permission is fine (relay to relay; datagrams are
      // checked per port), a channel to a port that is no relay is not.
      assertThat(c.createPermission(new InetSocketAddress("127.0.0.1", 3000)).messageClass())
          .isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(code(c.channelBind(CHANNEL, new InetSocketAddress("127.0.0.1", 3000)))).isEqualTo(403);
      for (String ip : List.of("10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.1.1", "0.0.0.0",
          "224.0.0.1", "100.64.0.1", "255.255.255.255")) {
        assertThat(code(c.createPermission(new InetSocketAddress(ip, 3000)))).as(ip).isEqualTo(403);
        assertThat(code(c.channelBind(CHANNEL, new InetSocketAddress(ip, 3000)))).as(ip).isEqualTo(403);
      }
      assertThat(code(c.createPermission(new InetSocketAddress("::1", 3000)))).isEqualTo(443);
      // Documentation and benchmarking ranges are no real peers either (issue 15).
      for (String ip : List.of("192.0.2.7", "198.51.100.7", "203.0.113.7", "198.18.0.1")) {
        assertThat(code(c.createPermission(new InetSocketAddress(ip, 3000)))).as(ip).isEqualTo(403);
      }
      assertThat(c.createPermission(new InetSocketAddress("8.8.8.8", 3000)).messageClass())
          .isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
  }

  // ---- transports and bad input ---------------------------------------------------------------------

  @Test
  void tcpTransportFramesStunAndPaddedChannelDataAndClosingDeletesTheAllocation() throws Exception {
    start(config());
    try (TurnTestClient c = TurnTestClient.tcp(stun.tcpAddress()).secret(SECRET, "alice"); DatagramSocket p = peer()) {
      InetSocketAddress relay = relayed(c.allocate());
      assertThat(c.channelBind(CHANNEL, addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      c.sendChannelData(CHANNEL, new byte[] {1, 2, 3, 4, 5}); // 9 bytes + 3 padding
      c.sendChannelData(CHANNEL, new byte[] {6});
      assertThat(receive(p, 3000)).containsExactly(1, 2, 3, 4, 5);
      assertThat(receive(p, 3000)).containsExactly(6);
      send(p, relay, new byte[] {7, 8, 9});
      assertThat(c.receiveRaw(3000)).containsExactly(0x40, 0x01, 0x00, 0x03, 7, 8, 9, 0);
      // Binding still works on the same connection.
      StunMessage binding = c.exchange(StunMessage.builder(StunMessageType.BINDING_REQUEST).build());
      assertThat(binding.mappedAddress()).hasValue(c.localAddress());
    }
    eventually(() -> turn.allocationCount() == 0);
    assertThat(metrics.counter(TurnMetrics.ALLOCATIONS_DELETED).count()).isEqualTo(1);
  }

  /**
   * Send indications are read in place (not decoded into a message): malformed, incomplete or IPv6-peer
   * ones are dropped and counted, over UDP and over TCP, and the same allocation relays the next good one.
   */
  @Test
  void badSendIndicationsAreCountedAndLeaveTheAllocationWorking() throws Exception {
    start(config());
    for (boolean overTcp : new boolean[] {false, true}) {
      double before = count(TurnMetrics.DROPPED, "reason", "malformed-send");
      try (TurnTestClient c = overTcp ? TurnTestClient.tcp(stun.tcpAddress()).secret(SECRET, "alice") : udpClient("alice");
          DatagramSocket p = peer()) {
        c.allocate();
        assertThat(c.createPermission(addr(p)).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        byte[] good = TurnTestClient.ENCODER.encodeToBytes(StunMessage.builder(TurnTestClient.SEND)
            .add(TurnTestClient.xorPeer(addr(p))).add(new RawAttribute(StunAttributeType.DATA, new byte[] {1, 2, 3}))
            .fingerprint().build());
        byte[] badCrc = good.clone();
        badCrc[badCrc.length - 1] ^= 1;
        c.sendRaw(badCrc);
        c.sendRaw(TurnTestClient.ENCODER.encodeToBytes(StunMessage.builder(TurnTestClient.SEND)
            .add(TurnTestClient.xorPeer(addr(p))).build())); // no DATA
        c.sendRaw(TurnTestClient.ENCODER.encodeToBytes(StunMessage.builder(TurnTestClient.SEND)
            .add(TurnTestClient.xorPeer(new InetSocketAddress("::1", p.getLocalPort())))
            .add(new RawAttribute(StunAttributeType.DATA, new byte[] {9})).build())); // an IPv6 peer on an IPv4 relay
        c.sendRaw(good);
        assertThat(receive(p, 3000)).as(overTcp ? "tcp" : "udp").containsExactly(1, 2, 3);
        assertThat(receive(p, 200)).as("nothing else reached the peer").isNull();
        eventually(() -> count(TurnMetrics.DROPPED, "reason", "malformed-send") == before + 3);
      }
    }
  }

  @Test
  void rfc5766ChannelNumbersOnlyWhenConfigured() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      c.allocate();
      assertThat(code(c.channelBind(0x7000, addr(p)))).as("RFC 5766 range, accepted by default").isEqualTo(0);
      c.sendChannelData(0x7000, "old range".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(p, 3000)).asString(StandardCharsets.UTF_8).isEqualTo("old range");
    }
    io.p2pquic.testsupport.Await.await(stun.stop());
    io.p2pquic.testsupport.Await.await(vertx.close());
    start(config().setRfc5766Channels(false));
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      c.allocate();
      assertThat(code(c.channelBind(0x5000, addr(p)))).as("RFC 8656 only").isEqualTo(400);
    }
  }

  @Test
  void garbageIsCountedAndDroppedAndTheServerKeepsServing() throws Exception {
    start(config());
    try (TurnTestClient c = udpClient("alice"); DatagramSocket p = peer()) {
      c.sendChannelData(CHANNEL, new byte[] {1}); // no allocation yet
      c.allocate();
      c.channelBind(CHANNEL, addr(p));
      c.sendRaw(new byte[] {0x40, 0x01, 0x00, 0x10, 1, 2}); // declares 16 bytes, carries 2
      c.sendRaw(new byte[] {0x4F, (byte) 0xFF, 0x00, 0x00}); // valid number, never bound
      c.sendRaw(new byte[] {0x40});
      byte[] reserved = new byte[20];
      reserved[0] = (byte) 0x80;
      c.sendRaw(reserved); // first bits 10: neither STUN nor ChannelData
      c.sendRaw(new byte[] {0x00, 0x03, 0x00, 0x04, 0x21, 0x12, (byte) 0xA4, 0x42}); // truncated STUN
      eventually(() -> count(TurnMetrics.DROPPED, "reason", "malformed-channel-data") == 2);
      eventually(() -> count("p2p.stun.dropped", "reason", "truncated") == 1);
      assertThat(count(TurnMetrics.DROPPED, "reason", "no-allocation")).isEqualTo(1);
      assertThat(count(TurnMetrics.DROPPED, "reason", "unknown-channel")).isEqualTo(1);
      assertThat(count("p2p.stun.dropped", "reason", "not-stun")).isEqualTo(1);
      c.sendChannelData(CHANNEL, "still fine".getBytes(StandardCharsets.UTF_8));
      assertThat(receive(p, 3000)).asString(StandardCharsets.UTF_8).isEqualTo("still fine");
    }
  }
}
