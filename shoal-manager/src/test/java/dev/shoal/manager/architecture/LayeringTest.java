package dev.shoal.manager.architecture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's arrows run one way: API → domain services → engine access and state. Read from the sources (imports
 * and fully qualified names, comments left out), so a new dependency that breaks a rule fails here.
 */
class LayeringTest {
    private static final String ROOT = "dev.shoal.manager";
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.shoal\\.manager((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    /** package → the other manager packages its classes name. */
    private static Map<String, Set<String>> uses;

    @BeforeAll
    static void readSources() throws IOException {
        Path main = Path.of("src/main/java/dev/shoal/manager");
        uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(main)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(LayeringTest::read);
        }
        assertThat(uses).as("manager packages found").containsKeys(ROOT, "api", "state", "engine", "scheduler");
    }

    private static void read(Path file) {
        String source;
        try {
            source = withoutComments(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher pkg = PACKAGE.matcher(source);
        assertThat(pkg.find()).as("package line in " + file).isTrue();
        String from = shortName(pkg.group(1));
        Set<String> targets = uses.computeIfAbsent(from, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(source);
        while (m.find()) {
            String to = shortName(ROOT + m.group(1));
            if (!to.equals(from)) {
                targets.add(to);
            }
        }
    }

    /** {@code dev.shoal.manager.api.proxy} → {@code api.proxy}; the root package is {@value #ROOT}. */
    private static String shortName(String pkg) {
        return pkg.equals(ROOT) ? ROOT : pkg.substring(ROOT.length() + 1);
    }

    private static String withoutComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    private static boolean inApi(String pkg) {
        return pkg.equals("api") || pkg.startsWith("api.");
    }

    @Test
    void nothingBelowTheApiNamesIt() {
        List<String> offences = new ArrayList<>();
        uses.forEach((from, to) -> {
            if (!inApi(from) && !from.equals(ROOT)) {
                to.stream().filter(LayeringTest::inApi).forEach(t -> offences.add(from + " → " + t));
            }
        });
        assertThat(offences).as("packages below the API that import it").isEmpty();
    }

    @Test
    void onlyTheApiAndTheWiringNameTheTopLevelClasses() {
        List<String> offences = new ArrayList<>();
        uses.forEach((from, to) -> {
            if (!inApi(from) && !from.equals(ROOT) && to.contains(ROOT)) {
                offences.add(from + " → " + ROOT);
            }
        });
        assertThat(offences).as("domain or engine packages that reach up to Cluster/Manager").isEmpty();
    }

    @Test
    void stateAndErrorsStandOnTheirOwn() {
        assertThat(uses.getOrDefault("state", Set.of())).as("state uses").isSubsetOf(Set.of("errors"));
        assertThat(uses.getOrDefault("errors", Set.of())).as("errors uses").isEmpty();
    }

    @Test
    void engineAccessKnowsNoDomainService() {
        for (String engineLayer : List.of("engine")) {
            assertThat(uses.getOrDefault(engineLayer, Set.of())).as(engineLayer + " uses")
                    .isSubsetOf(Set.of("state", "errors", "dispatcher"));
        }
    }

    @Test
    void packagesFormNoCircle() {
        // api's sub-packages are one layer with it; every other package is its own node
        Map<String, Set<String>> graph = new TreeMap<>();
        uses.forEach((from, to) -> {
            Set<String> edges = graph.computeIfAbsent(layer(from), k -> new TreeSet<>());
            to.stream().map(LayeringTest::layer).filter(t -> !t.equals(layer(from))).forEach(edges::add);
        });
        List<String> circle = findCircle(graph);
        assertThat(circle).as("a circle of package dependencies").isEmpty();
    }

    private static String layer(String pkg) {
        return inApi(pkg) ? "api" : pkg;
    }

    /** A path that returns to its start, or an empty list. */
    static List<String> findCircle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new TreeMap<>(); // 1 visiting, 2 done
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            if (visit(start, graph, state, path)) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean visit(String node, Map<String, Set<String>> graph, Map<String, Integer> state,
                                 List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) {
            return false;
        }
        path.add(node);
        if (s != null && s == 1) {
            return true;
        }
        state.put(node, 1);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (visit(next, graph, state, path)) {
                return true;
            }
        }
        state.put(node, 2);
        path.remove(path.size() - 1);
        return false;
    }

    @Test
    void theCircleFinderFindsACircle() {
        assertThat(findCircle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))).contains("a", "b", "c");
        assertThat(findCircle(Map.of("a", Set.of("b"), "b", Set.of("c")))).isEmpty();
    }
}
