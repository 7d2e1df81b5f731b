package io.p2pquic.node;

import picocli.CommandLine.IVersionProvider;

final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "p2p-node " + (v != null ? v : "0.1.0-SNAPSHOT"),
      "Java " + System.getProperty("java.version") + ", Vert.x 5.1.1, Netty 4.2.15"
    };
  }
}
