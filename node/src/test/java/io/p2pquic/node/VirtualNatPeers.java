package io.p2pquic.node;

import io.p2pquic.puncher.PuncherVerticle;
import io.p2pquic.puncher.ice.virtual.VirtualNatType;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.puncher.ice.virtual.VirtualStunServer;

/**
 * The virtual internet the virtual-network tests share: a STUN server at 198.51.100.1:3478 and one echoing
 * peer behind each kind of NAT that matters for punching (see {@link LoopbackCast#virtualPeer}).
 */
record VirtualNatPeers(PuncherVerticle fullCone, PuncherVerticle portRestricted, PuncherVerticle symmetric) {
  /** Starts the STUN server and the three peers on {@code net}, signalling to {@code cast}'s rendezvous. */
  static VirtualNatPeers start(LoopbackCast cast, VirtualNetwork net) throws Exception {
    VirtualStunServer.start(net, "198.51.100.1", 3478);
    return new VirtualNatPeers(
        cast.virtualPeer(net, "full-cone", "203.0.113.1", "10.0.1.2", VirtualNatType.FULL_CONE),
        cast.virtualPeer(net, "port-restricted", "203.0.113.2", "10.0.2.2", VirtualNatType.PORT_RESTRICTED),
        cast.virtualPeer(net, "symmetric", "203.0.113.3", "10.0.3.2", VirtualNatType.SYMMETRIC));
  }
}
