package io.p2pquic.node.bridge;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking client of the TCP bridge's frames (4-byte big-endian length + UTF-8 JSON), for tests. */
final class BridgeFrameClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private int replies;

  BridgeFrameClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
  }

  void write(JsonObject frame) throws IOException {
    byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
    out.writeInt(json.length);
    out.write(json);
    out.flush();
  }

  JsonObject read() throws IOException {
    int length = in.readInt();
    if (length < 0 || length > 1 << 20) {
      throw new IOException("frame length " + length);
    }
    byte[] json = new byte[length];
    in.readFully(json);
    return new JsonObject(new String(json, StandardCharsets.UTF_8));
  }

  /** A request and its answer: the reply's "message" frame or an "err" frame. */
  JsonObject request(String address, Object body) throws IOException {
    write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", "test.reply." + ++replies)
        .put("body", body));
    return read();
  }

  void register(String address) throws IOException {
    write(new JsonObject().put("type", "register").put("address", address));
  }

  /** The next frame after a ping: "pong" when everything written before was accepted silently. */
  JsonObject ping() throws IOException {
    write(new JsonObject().put("type", "ping"));
    return read();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
