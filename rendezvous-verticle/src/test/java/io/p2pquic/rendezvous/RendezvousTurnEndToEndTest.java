package io.p2pquic.rendezvous;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.stun.AddressAttribute;
import io.p2pquic.stun.RawAttribute;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunAttributes;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunCredentials;
import io.p2pquic.stun.StunMessage;
import io.p2pquic.stun.StunMessageDecoder;
import io.p2pquic.stun.StunMessageEncoder;
import io.p2pquic.stun.StunMessageType;
import io.p2pquic.stun.StunMethod;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole rendezvous on loopback: a peer registers and gets TURN credentials in its reply, allocates
 * with them on the STUN port, and a plain UDP peer exchanges data with it through the relay, first with
 * Send/Data indications, then with ChannelData both ways.
 */
class RendezvousTurnEndToEndTest {
  private static final StunMessageEncoder ENCODER = new StunMessageEncoder();
  private static final StunMessageDecoder DECODER = new StunMessageDecoder();
  private static final int CHANNEL = 0x4123;

  private Vertx vertx;
  private RendezvousVerticle rendezvous;
  private io.vertx.core.http.WebSocketClient wsClient;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("grant", "all-registered").put("authSecret", "e2e").put("allowedPeerRanges",
            new JsonArray().add("127.0.0.0/8")))),
        new SimpleMeterRegistry());
    await(vertx.deployVerticle(rendezvous));
  }

  @AfterEach
  void tearDown() throws Exception {
    await(vertx.close());
  }

  @Test
  void registeredPeerGetsCredentialsAndRelaysBothWaysWithIndicationsAndChannelData() throws Exception {
    RelayCredentials grant = register();
    assertThat(grant.relays()).extracting(RelayCredentials.Relay::transport).containsExactly("udp", "tcp");
    assertThat(grant.relays().get(0).uri()).isEqualTo("turn:127.0.0.1:" + rendezvous.stunAddress().getPort() + "?transport=udp");
    assertThat(TurnRestCredentials.verify("e2e".getBytes(StandardCharsets.UTF_8), grant.username(), grant.password())).isTrue();
    assertThat(grant.expiresAt()).isGreaterThan(System.currentTimeMillis() / 1000 + 3600);

    InetSocketAddress server = rendezvous.stunAddress();
    try (DatagramSocket client = socket(); DatagramSocket peer = socket()) {
      StunMessage challenge = exchange(client, server, StunMessage.builder(type(StunMethod.ALLOCATE))
          .add(StunAttributes.requestedTransport(17)).build());
      String realm = challenge.string(StunAttributeType.REALM).orElseThrow();
      String nonce = challenge.string(StunAttributeType.NONCE).orElseThrow();
      byte[] key = StunCredentials.longTermKey(grant.username(), realm, grant.password());
      StunMessage allocated = exchange(client, server, sign(StunMessage.builder(type(StunMethod.ALLOCATE))
          .add(StunAttributes.requestedTransport(17)), grant.username(), realm, nonce, key));
      assertThat(allocated.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      InetSocketAddress relay = allocated.address(StunAttributeType.XOR_RELAYED_ADDRESS).orElseThrow();
      InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();

      assertThat(exchange(client, server, sign(StunMessage.builder(type(StunMethod.CREATE_PERMISSION))
          .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peerAddress)), grant.username(), realm, nonce, key))
          .messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);

      // Send indication -> peer; peer -> Data indication.
      send(client, server, ENCODER.encodeToBytes(StunMessage.builder(StunMessageType.of(StunMethod.SEND, StunClass.INDICATION))
          .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peerAddress))
          .add(new RawAttribute(StunAttributeType.DATA, "ping".getBytes(StandardCharsets.UTF_8))).build()));
      DatagramPacket atPeer = receive(peer);
      assertThat(new String(atPeer.getData(), 0, atPeer.getLength(), StandardCharsets.UTF_8)).isEqualTo("ping");
      assertThat(atPeer.getSocketAddress()).isEqualTo(relay);
      send(peer, relay, "pong".getBytes(StandardCharsets.UTF_8));
      StunMessage data = DECODER.decode(payload(receive(client)));
      assertThat(data.type()).isEqualTo(StunMessageType.of(StunMethod.DATA, StunClass.INDICATION));
      assertThat(data.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(peerAddress);
      assertThat(((RawAttribute) data.attribute(StunAttributeType.DATA).orElseThrow()).value())
          .isEqualTo("pong".getBytes(StandardCharsets.UTF_8));

      // ChannelBind, then ChannelData both ways.
      assertThat(exchange(client, server, sign(StunMessage.builder(type(StunMethod.CHANNEL_BIND))
          .add(StunAttributes.channelNumber(CHANNEL))
          .add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peerAddress)), grant.username(), realm, nonce, key))
          .messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
      send(client, server, new byte[] {0x41, 0x23, 0x00, 0x03, 'a', 'b', 'c'});
      assertThat(payload(receive(peer))).containsExactly('a', 'b', 'c');
      send(peer, relay, "xyz!".getBytes(StandardCharsets.UTF_8));
      assertThat(payload(receive(client))).containsExactly(0x41, 0x23, 0x00, 0x04, 'x', 'y', 'z', '!');
    }
    assertThat(rendezvous.turn().allocationCount()).isEqualTo(1);
  }

  private RelayCredentials register() throws Exception {
    PeerIdentity id = PeerIdentity.generate();
    BlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    wsClient = vertx.createWebSocketClient(); // kept in a field: an unreferenced client is closed by Vert.x
    var ws = await(wsClient.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(rendezvous.httpPort()).setURI("/signal")));
    ws.textMessageHandler(t -> inbox.add(new JsonObject(t)));
    JsonObject challenge = inbox.poll(10, TimeUnit.SECONDS);
    byte[] nonce = Base64.getDecoder().decode(challenge.getString("nonce"));
    await(ws.writeTextMessage(new JsonObject().put("type", "register").put("id", "r")
        .put("peerId", id.peerId().value()).put("publicKey", id.publicKeyBase64())
        .put("signature", Base64.getEncoder().encodeToString(id.sign(SignallingProtocol.registrationPayload(nonce))))
        .encode()));
    JsonObject registered = inbox.poll(10, TimeUnit.SECONDS);
    assertThat(registered.getString("type")).as("%s", registered).isEqualTo("registered");
    JsonObject turn = registered.getJsonObject("turn");
    assertThat(turn.getString("username")).endsWith(":" + id.peerId().value());
    assertThat(turn.getJsonArray("uris")).hasSize(2);
    Registration reg = Registration.fromJson(registered);
    assertThat(reg.limits().getInteger("maxMessageBytes")).isPositive(); // old fields unchanged
    return reg.relayCredentials();
  }

  private static StunMessageType type(StunMethod m) {
    return StunMessageType.of(m, StunClass.REQUEST);
  }

  private static StunMessage sign(StunMessage.Builder b, String user, String realm, String nonce, byte[] key) {
    return b.add(StunAttributes.username(user)).add(StunAttributes.realm(realm)).add(StunAttributes.nonce(nonce))
        .messageIntegrity(key).build();
  }

  private static DatagramSocket socket() throws Exception {
    DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    s.setSoTimeout(3000);
    return s;
  }

  private static void send(DatagramSocket s, InetSocketAddress to, byte[] b) throws Exception {
    s.send(new DatagramPacket(b, b.length, to));
  }

  private static DatagramPacket receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return p;
  }

  private static byte[] payload(DatagramPacket p) {
    return Arrays.copyOf(p.getData(), p.getLength());
  }

  private static StunMessage exchange(DatagramSocket s, InetSocketAddress to, StunMessage request) throws Exception {
    send(s, to, ENCODER.encodeToBytes(request));
    StunMessage response = DECODER.decode(payload(receive(s)));
    assertThat(response.transactionId()).isEqualTo(request.transactionId());
    return response;
  }
}
