package io.p2pquic.rendezvous.turn;

final class TurnTestSupport {
  private TurnTestSupport() {}
}
