package io.p2pquic.node.lab;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.node.report.NodeProcess;
import java.util.List;

/** Runs the node's own command line inside lab namespaces (the lab report's {@link NodeProcess}). */
final class LabProcesses {
  private LabProcesses() {}

  static List<String> node(String... args) {
    return NodeProcess.command(args);
  }

  /** A long-running node process whose output is collected; awaitReady waits for a log line. */
  static final class Running extends NodeProcess {
    Running(NatLab lab, String namespace, String readyText, String... args) throws Exception {
      super(lab, namespace, readyText, args);
    }
  }
}
