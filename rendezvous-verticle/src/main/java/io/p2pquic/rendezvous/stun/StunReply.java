package io.p2pquic.rendezvous.stun;

import io.p2pquic.stun.StunMessage;

import java.net.InetSocketAddress;

/**
 * A response to send, the socket it must leave from, and where it goes (the request's source, or the
 * port a RESPONSE-PORT attribute asked for).
 */
public record StunReply(StunMessage message, ResponseOrigin origin, InetSocketAddress destination) {}
