package io.p2pquic.puncher.path;

/**
 * The path layer moved a session's packets from one path to another.
 *
 * @param from the previous path, null for the first
 * @param to the path used from now on
 * @param reason why, in plain words ("nominated pair", "the peer's packets now arrive on it")
 * @param quietMillis how long nothing had arrived on {@code from} when the move happened: near zero for an
 *     upgrade off a working relay, the silence detection time and more for a move away from a dead path
 */
public record PathChange(PeerPath from, PeerPath to, String reason, long quietMillis) {}
