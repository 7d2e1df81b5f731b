package io.p2pquic.node;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;

/**
 * The HELP text of every {@code p2p.*} meter, in one place: a meter filter fills in the description of a
 * meter that did not bring its own, so {@code /metrics} explains each family. A new meter without an entry
 * here fails {@code MetricDescriptionsTest}.
 */
final class MetricDescriptions {
  private MetricDescriptions() {}

  static final Map<String, String> HELP = Map.ofEntries(
      // rendezvous: admin endpoints, signalling
      Map.entry("p2p.admin.refused", "Requests for /health, /metrics, the operator API or the dashboard refused by admin.allow"),
      Map.entry("p2p.admin.unauthorized", "Operator API or dashboard requests without the right admin.token (401)"),
      Map.entry("p2p.admin.streams.refused", "Operator event streams (/api/v1/stream) refused because too many were open"),
      Map.entry("p2p.signalling.session.reports", "session-report messages from peers, by outcome (refused: not their session)"),
      Map.entry("p2p.signalling.session.evicted", "Relayed-session records dropped to stay within signalling.maxSessionRecords"),
      Map.entry("p2p.signalling.session.records", "Relayed-session records this node keeps for the operator API now"),
      Map.entry("p2p.signalling.connections", "Signalling connections accepted, by transport"),
      Map.entry("p2p.signalling.connections.open", "Signalling connections open now"),
      Map.entry("p2p.signalling.connections.refused", "Signalling connections refused, by reason (limits, TLS, origin)"),
      Map.entry("p2p.signalling.registrations", "Registrations, by outcome"),
      Map.entry("p2p.signalling.peers", "Peers registered on this node now"),
      Map.entry("p2p.signalling.lookups", "Peer lookups, by outcome"),
      Map.entry("p2p.signalling.relayed", "Signalling messages relayed between peers, by type"),
      Map.entry("p2p.signalling.errors", "Error replies sent to signalling clients, by code"),
      Map.entry("p2p.signalling.registry.stale", "Registry entries dropped because their node or connection is gone"),
      Map.entry("p2p.signalling.attachments", "QUIC attachments of session sockets (method quic-native), by outcome"),
      Map.entry("p2p.signalling.quic.dropped", "QUIC signalling packets or connections dropped, by reason"),
      // rendezvous: STUN server
      Map.entry("p2p.stun.requests", "STUN requests received, by transport"),
      Map.entry("p2p.stun.responses", "STUN responses sent, by class (success, error)"),
      Map.entry("p2p.stun.indications", "STUN indications received"),
      Map.entry("p2p.stun.dropped", "STUN/TURN input dropped, by reason (malformed, rate-limited, tcp limits)"),
      Map.entry("p2p.stun.tcp.connections", "STUN/TURN TCP connections open now"),
      Map.entry("p2p.stun.tcp.paused", "Times a TCP client was paused because it did not read its answers"),
      // rendezvous: TURN server
      Map.entry("p2p.turn.requests", "TURN requests received, by method"),
      Map.entry("p2p.turn.errors", "TURN error responses sent, by code"),
      Map.entry("p2p.turn.auth.challenges", "401 challenges sent to unauthenticated TURN requests"),
      Map.entry("p2p.turn.auth.failures", "TURN requests that failed authentication, by reason"),
      Map.entry("p2p.turn.allocations.active", "TURN allocations held now"),
      Map.entry("p2p.turn.allocations.created", "TURN allocations created"),
      Map.entry("p2p.turn.allocations.deleted", "TURN allocations deleted by their client"),
      Map.entry("p2p.turn.allocations.expired", "TURN allocations that expired"),
      Map.entry("p2p.turn.permissions.created", "TURN permissions created"),
      Map.entry("p2p.turn.channels.bound", "TURN channels bound"),
      Map.entry("p2p.turn.quota.rejections", "Allocations refused by a quota (per user, per address, total), by quota"),
      Map.entry("p2p.turn.relayed.packets", "Packets relayed, by direction"),
      Map.entry("p2p.turn.relayed.bytes", "Bytes relayed, by direction"),
      Map.entry("p2p.turn.dropped", "Relay packets or requests dropped, by reason (no permission, policy, bandwidth, rate-limited)"),
      Map.entry("p2p.relay.grants.refused", "Relay credentials refused to registered peers (turn.grant), by reason"),
      Map.entry("p2p.relay.grants.token", "Relay grant tokens presented at registration, by outcome"),
      Map.entry("p2p.relays.known", "Relays in the cluster's relay directory"),
      // peer: signalling client
      Map.entry("p2p.signalling.client.sent", "Signalling messages this peer sent, by type"),
      Map.entry("p2p.signalling.client.received", "Signalling messages this peer received, by type"),
      Map.entry("p2p.signalling.client.errors", "Error replies this peer received from the rendezvous, by code"),
      Map.entry("p2p.signalling.client.resent", "Signalling messages sent again after the rendezvous dropped them for its rate limit"),
      Map.entry("p2p.signalling.client.paced", "Signalling messages that waited for a token of the rendezvous's rate limit before leaving"),
      Map.entry("p2p.signalling.client.malformed", "Frames from the rendezvous this peer could not use, by what was wrong"),
      // peer: STUN and TURN clients
      Map.entry("p2p.stun.client.transactions", "STUN client transactions started"),
      Map.entry("p2p.stun.client.responses", "STUN client responses, by class"),
      Map.entry("p2p.stun.client.retransmissions", "STUN client retransmissions"),
      Map.entry("p2p.stun.client.timeouts", "STUN client transactions that timed out"),
      Map.entry("p2p.stun.client.dropped", "STUN messages the client dropped, by reason"),
      Map.entry("p2p.stun.client.tcp.transactions", "STUN-over-TCP client transactions"),
      Map.entry("p2p.stun.client.tcp.failures", "STUN-over-TCP client failures, by reason"),
      Map.entry("p2p.turn.client.allocations", "TURN allocations this peer made, by outcome"),
      Map.entry("p2p.turn.client.refreshes", "TURN refreshes this peer sent, by outcome"),
      Map.entry("p2p.turn.client.deallocations", "TURN allocations this peer deleted"),
      Map.entry("p2p.turn.client.failures", "TURN client failures, by reason"),
      Map.entry("p2p.turn.client.dropped", "TURN messages the client dropped, by reason"),
      Map.entry("p2p.turn.client.stale.nonces", "438 Stale Nonce answers the client retried"),
      Map.entry("p2p.turn.client.unauthenticated.responses", "TURN responses dropped for missing or bad MESSAGE-INTEGRITY"),
      Map.entry("p2p.turn.client.relayed.packets", "Packets this peer sent or received through its relay, by direction and framing"),
      Map.entry("p2p.turn.client.relayed.bytes", "Bytes this peer sent or received through its relay, by direction and framing"),
      // peer: sockets, ICE, path layer, sessions
      Map.entry("p2p.udp.inbound", "Datagrams received on session sockets, by kind (stun, quic, relay)"),
      Map.entry("p2p.udp.dropped", "Datagrams dropped by the demultiplexer, by kind"),
      Map.entry("p2p.ice.gathering.candidates", "Local candidates gathered, by type"),
      Map.entry("p2p.ice.gathering.stun", "Server-reflexive lookups while gathering, by outcome"),
      Map.entry("p2p.ice.gathering.turn", "TURN allocations while gathering, by outcome (allocated, error, late)"),
      Map.entry("p2p.ice.checks.sent", "ICE connectivity checks sent"),
      Map.entry("p2p.ice.checks.succeeded", "ICE connectivity checks that succeeded"),
      Map.entry("p2p.ice.checks.failed", "ICE connectivity checks that failed, by reason"),
      Map.entry("p2p.ice.requests.received", "ICE check requests received"),
      Map.entry("p2p.ice.indications.received", "ICE binding indications (keepalives) received"),
      Map.entry("p2p.ice.keepalives.sent", "ICE keepalives sent"),
      Map.entry("p2p.ice.rejected", "ICE checks rejected (bad integrity, unknown user, role conflict), by reason"),
      Map.entry("p2p.ice.dropped", "ICE messages dropped, by reason"),
      Map.entry("p2p.ice.prflx", "Peer-reflexive candidates learnt"),
      Map.entry("p2p.ice.role.switches", "ICE role conflicts that switched this agent's role"),
      Map.entry("p2p.ice.nominated", "Candidate pairs nominated"),
      Map.entry("p2p.ice.selected", "Candidate pairs selected"),
      Map.entry("p2p.ice.failed", "ICE sessions that failed (no pair worked)"),
      Map.entry("p2p.ice.consent", "ICE consent freshness outcomes (RFC 7675), by outcome"),
      Map.entry("p2p.path.inbound", "QUIC datagrams the path layer handed to QUIC, by path (direct, relayed)"),
      Map.entry("p2p.path.outbound", "QUIC datagrams the path layer sent, by path"),
      Map.entry("p2p.path.dropped", "QUIC datagrams the path layer dropped (unknown source, no path)"),
      Map.entry("p2p.path.silent", "Paths that went silent under QUIC (moved or restarted), by path"),
      Map.entry("p2p.session.bad-signal", "Session signalling messages that could not be used, by type"),
      Map.entry("p2p.session.foreign-signal", "Session messages from a peer that is not the session's (dropped)"),
      Map.entry("p2p.session.dropped", "Session datagrams dropped, by reason"),
      Map.entry("p2p.session.open", "Sessions the peer holds now, punching or connected (a number that only grows is a leak)"),
      Map.entry("p2p.session.ice-restarts", "ICE restarts, by side (dialer, listener)"),
      Map.entry("p2p.session.identity-mismatch", "Sessions whose far end proved another peer id (hostile rendezvous or relay)"),
      Map.entry("p2p.session.relay-reallocations", "Relay re-allocations after every relay of a session died"),
      Map.entry("p2p.session.relay-keepalives", "Binding indications sent to keep the NAT mapping towards a session's relays"),
      Map.entry("p2p.session.repunches", "Tries for a direct path again after a session fell back to the relay"),
      Map.entry("p2p.session.socket-pool", "Sessions that found a pooled, pre-gathered socket (hit) or bound their own (miss)"),
      Map.entry("p2p.session.socket-pool.replaced", "Pooled session sockets replaced because their STUN refresh went unanswered"),
      Map.entry("p2p.hardnat.probes", "Hard-NAT punching probes sent, by role (spray, many-sockets)"),
      Map.entry("p2p.hardnat.found", "Direct paths hard-NAT punching found, by role"),
      Map.entry("p2p.hardnat.gave-up", "Hard-NAT punching runs that found no path within the budget, by role"),
      Map.entry("p2p.hardnat.dropped", "Hard-NAT punching packets dropped (unauthenticated, undecodable), by reason"),
      Map.entry("p2p.hardnat.bind-failed", "Hard-NAT punching sockets that could not be opened"),
      Map.entry("p2p.mdns.answered", "mDNS queries this peer answered for its sessions' .local names"),
      Map.entry("p2p.mdns.dropped", "mDNS packets the responder ignored, by reason (not-ours, response, malformed, oversized)"),
      Map.entry("p2p.portmap.probes", "Gateway probes for port mapping, by result (PCP, NAT-PMP, none)"),
      Map.entry("p2p.portmap.requests", "PCP / NAT-PMP mapping requests sent (maps, renewals, deletions), by protocol"),
      Map.entry("p2p.portmap.mapped", "Ports the gateway mapped for sessions, by protocol"),
      Map.entry("p2p.portmap.failed", "Port-mapping requests that failed, by reason (timeout, refused)"),
      Map.entry("p2p.portmap.dropped", "Packets the port-mapping client dropped (not from the gateway, unsolicited, oversized)"),
      // histograms (their meters bring these texts; listed so the catalogue names every family)
      Map.entry("p2p.session.connect", "Time from a session's start to its outcome, by method, side and outcome"),
      Map.entry("p2p.session.phase", "Milliseconds from a session's start to each phase of a successful connect"),
      Map.entry("p2p.path.moves", "Path moves of live sessions: time without packets back on the old path when the move "
          + "happened, by from/to path"),
      Map.entry("p2p.tcp.attempts", "TCP simultaneous-open attempts (method tcp), by outcome"),
      Map.entry("p2p.tcp.refused", "Incoming TCP connections refused (not the expected peer address)"),
      Map.entry("p2p.quicnative.probes", "QUIC probes to peer candidates (method quic-native)"),
      Map.entry("p2p.quicnative.punches-received", "Punch packets received from peers (method quic-native)"),
      Map.entry("p2p.dcutr.attempts", "DCUtR upgrade attempts, by outcome"),
      Map.entry("p2p.dcutr.upgrades", "Sessions DCUtR moved from the relay to a direct path"),
      Map.entry("p2p.dcutr.noise.sent", "Random UDP packets sent to open NAT mappings (DCUtR)"),
      Map.entry("p2p.dcutr.dropped", "DCUtR messages dropped, by reason"));

  /** Fills in the description of {@code p2p.*} meters that have none. */
  static MeterFilter filter() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        String help = id.getDescription() == null ? HELP.get(id.getName()) : null;
        // Byte counters say so (Prometheus: "# UNIT bytes" in OpenMetrics); timers are seconds already.
        String unit = id.getBaseUnit() == null && id.getName().startsWith("p2p.") && id.getName().endsWith(".bytes")
            ? "bytes" : id.getBaseUnit();
        return help == null && java.util.Objects.equals(unit, id.getBaseUnit()) ? id
            : new Meter.Id(id.getName(), io.micrometer.core.instrument.Tags.of(id.getTagsAsIterable()), unit,
                help == null ? id.getDescription() : help, id.getType());
      }
    };
  }
}
