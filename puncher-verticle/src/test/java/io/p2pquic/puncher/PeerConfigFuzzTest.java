package io.p2pquic.puncher;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.p2pquic.testsupport.ConfigFuzz;

/** Any conf/peer.json text: a configuration that survives its own JSON, or an IllegalArgumentException. */
class PeerConfigFuzzTest {

  @FuzzTest
  void loadsOrRefuses(byte[] data) {
    ConfigFuzz.loadsOrRefuses(data, PeerConfig::fromJson, PeerConfig::toJson);
  }
}
