package io.p2pquic.node;

import io.p2pquic.api.net.SocketAddresses;

/** {@code [HOST:]PORT} of --tcp and --listen: a port alone means 127.0.0.1 (nothing listens beyond loopback by default). */
record TcpEndpoint(String host, int port) {
  static TcpEndpoint parse(String option, String value) {
    try {
      if (value.matches("\\d+")) {
        return valid(option, new TcpEndpoint("127.0.0.1", Integer.parseInt(value)));
      }
      var a = SocketAddresses.parseHostPort(value);
      return valid(option, new TcpEndpoint(a.getHostString(), a.getPort()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(option + " " + value + ": expected [HOST:]PORT, e.g. 8080 or 127.0.0.1:8080 ("
          + e.getMessage() + ")", e);
    }
  }

  private static TcpEndpoint valid(String option, TcpEndpoint e) {
    if (e.port < 1 || e.port > 65535) {
      throw new ConfigException(option + ": port must be 1-65535, is " + e.port);
    }
    return e;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
