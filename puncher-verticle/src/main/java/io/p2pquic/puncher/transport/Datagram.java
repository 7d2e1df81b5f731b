package io.p2pquic.puncher.transport;

import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/** One received UDP datagram and who sent it. */
public record Datagram(Buffer data, InetSocketAddress sender) {}
