package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every configuration data object ({@code extends JsonDataObject} in the main sources of any module) keeps
 * the project's data-object convention (see {@link JsonDataObject}): {@code DEFAULT_*} constants, a public
 * no-arg, copy and {@link JsonObject} constructor, a JSON round trip, and strict parsing that names an
 * unknown key. The classes are found by scanning the sources, so a new options class is checked without
 * anyone remembering to list it here.
 */
public class OptionsConventionTest {
  /** The test runs in the node module; its siblings are the other modules. */
  private static final Path MODULES = Path.of("..");

  /** Types that extend JsonDataObject but are values, not options; each with the reason. */
  private static final Map<String, String> NOT_OPTIONS = Map.of(
      "io.p2pquic.api.signalling.PeerInfo",
      "a peer's signalling record (id, addresses): a value built from what a peer sent, with no defaults to speak of");

  /**
   * Options whose defaults alone are not a valid configuration because a key is required, with the reason
   * and a smallest valid JSON form: a no-arg constructor is not required of them (nor could its defaults
   * round-trip), and the copy and JSON constructors are checked from that form instead.
   */
  private static final Map<String, Sample> NEEDS_VALUES = Map.of(
      "io.p2pquic.puncher.turn.TurnClientOptions",
      new Sample("a TURN server has no default: host, username and password are required",
          new JsonObject().put("host", "192.0.2.1").put("username", "user").put("password", "pass")));

  record Sample(String reason, JsonObject json) {}

  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern SUBCLASS =
      Pattern.compile("((?:\\b(?:public|protected|private|static|final|abstract|sealed|non-sealed)\\s+)*)"
          + "class\\s+(\\w+)(?:\\s*<[^{]*?>)?\\s+extends\\s+(?:[\\w.]+\\.)?JsonDataObject\\b");

  @Test
  void scanFindsTheKnownOptionsClasses() {
    List<String> names = optionsClassNames();
    assertThat(names).contains("io.p2pquic.puncher.PeerConfig", "io.p2pquic.rendezvous.RendezvousConfig",
        "io.p2pquic.quic.QuicOptions", "io.p2pquic.puncher.mdns.MdnsOptions");
    assertThat(names).doesNotContainAnyElementsOf(NOT_OPTIONS.keySet());
  }

  @Test
  void allowListsNameExistingClasses() throws Exception {
    for (String name : NOT_OPTIONS.keySet()) {
      assertThat(JsonDataObject.class.isAssignableFrom(Class.forName(name))).as(name).isTrue();
    }
    for (String name : NEEDS_VALUES.keySet()) {
      assertThat(optionsClassNames()).as("NEEDS_VALUES entry " + name).contains(name);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyOptionsClassFollowsTheConvention() {
    return optionsClassNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      Class<?> c;
      try {
        c = Class.forName(name);
      } catch (ClassNotFoundException e) {
        throw new AssertionError(name + " is not on the node module's test class path: make node depend on its module", e);
      }
      checkConvention(c.asSubclass(JsonDataObject.class), NEEDS_VALUES.get(name));
    }));
  }

  /** The check itself fails for a class that lacks the constructors (so the test above can fail). */
  @Test
  void aClassWithoutTheConstructorsFails() {
    assertThatThrownBy(() -> checkConvention(Incomplete.class, null)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("copy constructor");
    assertThatThrownBy(() -> checkConvention(Lenient.class, null)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("noSuchKey");
    checkConvention(Complete.class, null);
  }

  static <T extends JsonDataObject> void checkConvention(Class<T> c, Sample sample) {
    String n = c.getName();
    assertThat(Modifier.isPublic(c.getModifiers())).as(n + " is public").isTrue();
    assertThat(Arrays.stream(c.getFields()).filter(f -> f.getName().startsWith("DEFAULT_")).map(Field::getModifiers)
        .anyMatch(m -> Modifier.isStatic(m) && Modifier.isFinal(m)))
        .as(n + " has public static final DEFAULT_* constants for its defaults").isTrue();
    Constructor<T> copy = constructor(c, c, "a public copy constructor " + c.getSimpleName() + "(" + c.getSimpleName() + ")");
    Constructor<T> fromJson = constructor(c, JsonObject.class,
        "a public JSON constructor " + c.getSimpleName() + "(JsonObject)");

    T base;
    JsonObject baseJson;
    if (sample == null) {
      Constructor<T> noArg = constructor(c, null, "a public no-arg constructor " + c.getSimpleName() + "()"
          + " (or an entry in NEEDS_VALUES saying why it cannot have one)");
      base = create(noArg);
      baseJson = new JsonObject();
      assertThat(create(fromJson, base.toJson())).as(n + ": new X(defaults.toJson()) equals the defaults").isEqualTo(base);
    } else {
      base = create(fromJson, sample.json().copy());
      baseJson = sample.json().copy();
      assertThat(create(fromJson, base.toJson())).as(n + ": new X(x.toJson()) equals x").isEqualTo(base);
    }
    T copied = create(copy, base);
    assertThat(copied).as(n + ": new X(x) equals x").isEqualTo(base);
    assertThat(copied).as(n + ": new X(x) is a new object").isNotSameAs(base);

    Throwable refused = null;
    try {
      create(fromJson, baseJson.put("noSuchKey", 1));
    } catch (IllegalArgumentException e) {
      refused = e;
    }
    if (refused == null) {
      fail(n + "(JsonObject) accepted the unknown key noSuchKey; it must parse strictly (StrictConfig.read)");
    }
    assertThat(refused.getMessage()).as(n + ": the error names the unknown key").contains("noSuchKey");
  }

  private static <T> Constructor<T> constructor(Class<T> c, Class<?> parameter, String what) {
    try {
      return parameter == null ? c.getConstructor() : c.getConstructor(parameter);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(c.getName() + " lacks " + what + " (the JsonDataObject convention)", e);
    }
  }

  private static <T> T create(Constructor<T> k, Object... args) {
    try {
      return k.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Binary names of the non-abstract classes extending JsonDataObject in every module's main sources. */
  static List<String> optionsClassNames() {
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> modules = Files.list(MODULES)) {
      for (Path module : modules.toList()) {
        Path main = module.resolve("src/main/java");
        if (!Files.isDirectory(main)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(main)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
            names.addAll(subclassesIn(f));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    names.removeAll(NOT_OPTIONS.keySet());
    assertThat(names).as("options classes found under " + MODULES.toAbsolutePath()).isNotEmpty();
    return new ArrayList<>(names);
  }

  private static List<String> subclassesIn(Path file) throws IOException {
    String src = Files.readString(file);
    List<String> out = new ArrayList<>();
    if (!src.contains("JsonDataObject")) {
      return out;
    }
    Matcher pkg = PACKAGE.matcher(src);
    String prefix = pkg.find() ? pkg.group(1) + "." : "";
    String top = file.getFileName().toString().replace(".java", "");
    Matcher m = SUBCLASS.matcher(src);
    while (m.find()) {
      if (m.group(1).contains("abstract")) {
        continue;
      }
      String simple = m.group(2);
      out.add(prefix + (simple.equals(top) ? top : top + "$" + simple));
    }
    return out;
  }

  // ---- fixtures for aClassWithoutTheConstructorsFails ----------------------------------------------

  /** Only a no-arg constructor: what the convention test must refuse. */
  public static final class Incomplete extends JsonDataObject {
    public static final int DEFAULT_X = 1;

    public Incomplete() {}

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("x", DEFAULT_X);
    }
  }

  /** All constructors, but the JSON one ignores unknown keys. */
  public static final class Lenient extends JsonDataObject {
    public static final int DEFAULT_X = 1;
    private int x = DEFAULT_X;

    public Lenient() {}

    public Lenient(Lenient other) {
      this(other.toJson());
    }

    public Lenient(JsonObject json) {
      x = json.getInteger("x", DEFAULT_X);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("x", x);
    }
  }

  /** The convention kept. */
  public static final class Complete extends JsonDataObject {
    public static final int DEFAULT_X = 1;
    private int x = DEFAULT_X;

    public Complete() {}

    public Complete(Complete other) {
      this(other.toJson());
    }

    public Complete(JsonObject json) {
      StrictConfig.read(json, List.of("x"), (k, v) -> x = StrictConfig.intValue(v));
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("x", x);
    }
  }
}
