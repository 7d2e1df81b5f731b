package io.p2pquic.puncher.path;

/**
 * The path layer moved a session's packets from one path to another.
 *
 * @param from the previous path, null for the first
 * @param to the path used from now on
 * @param reason why, in plain words ("nominated pair", "the peer's packets now arrive on it")
 */
public record PathChange(PeerPath from, PeerPath to, String reason) {}
