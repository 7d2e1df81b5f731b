package io.p2pquic.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The examples' command line: {@code --name value} options, {@code --flag} switches and positional
 * arguments, nothing more (a real program would use picocli, as p2p-node does). Unknown options are an
 * error, as unknown config keys are.
 */
final class ExampleArgs {
  private final Map<String, List<String>> options = new HashMap<>();
  private final List<String> positional = new ArrayList<>();

  /**
   * @param withValue options that take a value (may repeat)
   * @param switches options without a value
   * @throws IllegalArgumentException for an unknown option or a missing value
   */
  ExampleArgs(String[] args, Set<String> withValue, Set<String> switches) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (switches.contains(a)) {
        options.computeIfAbsent(a, k -> new ArrayList<>()).add("true");
      } else if (withValue.contains(a)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        options.computeIfAbsent(a, k -> new ArrayList<>()).add(args[++i]);
      } else if (a.startsWith("--")) {
        throw new IllegalArgumentException("unknown option " + a + " (known: " + String.join(", ", withValue)
            + (switches.isEmpty() ? "" : ", " + String.join(", ", switches)) + ")");
      } else {
        positional.add(a);
      }
    }
  }

  /** The last value of {@code name}, or {@code fallback}. */
  String value(String name, String fallback) {
    List<String> v = options.get(name);
    return v == null ? fallback : v.get(v.size() - 1);
  }

  /** The value of a required option. */
  String required(String name) {
    String v = value(name, null);
    if (v == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    return v;
  }

  /** Every value of a repeatable option, in order. */
  List<String> values(String name) {
    return options.getOrDefault(name, List.of());
  }

  boolean has(String name) {
    return options.containsKey(name);
  }

  List<String> positional() {
    return positional;
  }
}
