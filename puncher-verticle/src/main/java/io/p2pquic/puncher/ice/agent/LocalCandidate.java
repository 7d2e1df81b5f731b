package io.p2pquic.puncher.ice.agent;

import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.stun.StunClient;

/**
 * A local candidate and the STUN client of the socket its base is bound on: checks "from" the
 * candidate are sent through that client (RFC 8445 7.2.2: always from the base).
 *
 * @param synthetic true for a base made up for a server-reflexive candidate whose host candidate was
 *     never added; used for pairing only, never reported
 */
record LocalCandidate(Candidate candidate, StunClient via, boolean synthetic) {}
