package io.p2pquic.rendezvous.stun;

/** Which of the four RFC 5780 sockets a response leaves from, relative to the one that received. */
public enum ResponseOrigin {
  SAME,
  CHANGE_PORT,
  CHANGE_IP,
  CHANGE_IP_AND_PORT;

  static ResponseOrigin of(boolean changeIp, boolean changePort) {
    if (changeIp) {
      return changePort ? CHANGE_IP_AND_PORT : CHANGE_IP;
    }
    return changePort ? CHANGE_PORT : SAME;
  }

  boolean changesIp() {
    return this == CHANGE_IP || this == CHANGE_IP_AND_PORT;
  }

  boolean changesPort() {
    return this == CHANGE_PORT || this == CHANGE_IP_AND_PORT;
  }
}
