package io.p2pquic.rendezvous;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.p2pquic.testsupport.ConfigFuzz;

/** Any conf/rendezvous.json text: a configuration that survives its own JSON, or an IllegalArgumentException. */
class RendezvousConfigFuzzTest {

  @FuzzTest
  void loadsOrRefuses(byte[] data) {
    ConfigFuzz.loadsOrRefuses(data, RendezvousConfig::fromJson, RendezvousConfig::toJson);
  }
}
