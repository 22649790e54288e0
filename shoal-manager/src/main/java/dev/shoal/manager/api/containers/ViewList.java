package dev.shoal.manager.api.containers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.views.ContainerEntry;
import dev.shoal.manager.views.ContainerViews;
import dev.shoal.manager.views.NodeContainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The part of {@code GET /containers/json} answered from the container views: which queries it can answer exactly
 * (every filter one the manager evaluates as dockerd 20.10 does, on cached entries), the entries of the views
 * that pass them, and each entry's bytes in the cluster's form (Names under the node, unbound ports on the node's
 * address, cluster network IDs), serialized once per entry version with only the Status rendered per answer.
 */
final class ViewList {
    /** Filters evaluated on cached entries; {@code node}, {@code since}, {@code before} are the manager's anyway. */
    private static final Set<String> FILTERS = Set.of("id", "name", "label", "status", "exited", "node", "since",
            "before");
    private static final Set<String> STATES = Set.of("created", "restarting", "running", "removing", "paused",
            "exited", "dead");
    private static final String STATUS_MARK = "@@shoal-status-5b1e@@";
    private static final byte[] MARK_BYTES = ("\"" + STATUS_MARK + "\"").getBytes(StandardCharsets.UTF_8);

    private final boolean all;
    private final List<String> ids;
    private final List<String> names;
    /** Name values with no regular-expression syntax: found as plain substrings (much cheaper, same answer). */
    private final List<String> literalNames;
    private final List<Pattern> namePatterns;
    private final List<String> labels;
    private final List<String> states;
    private final List<Integer> exited;

    private ViewList(boolean all, Map<String, List<String>> f) {
        this.all = all;
        this.ids = f.get("id");
        this.names = f.get("name");
        this.labels = f.get("label");
        this.states = f.get("status");
        this.exited = f.containsKey("exited") ? f.get("exited").stream().map(Integer::parseInt).toList() : null;
        List<Pattern> patterns = new ArrayList<>();
        List<String> literals = new ArrayList<>();
        for (String n : names == null ? List.<String>of() : names) {
            if (LITERAL.matcher(n).matches()) {
                literals.add(n);
                continue;
            }
            try {
                patterns.add(Pattern.compile(n));
            } catch (PatternSyntaxException e) {
                // an engine skips a value that is no regular expression (an exact match may still hold)
            }
        }
        this.namePatterns = patterns;
        this.literalNames = literals;
    }

    private static final Pattern LITERAL = Pattern.compile("[^\\\\^$.|?*+()\\[\\]{}]*");

    /**
     * The query as the views answer it, or null when an engine must: a filter the manager does not evaluate
     * (ancestor, volume, network, publish, expose, health, is-task, …), a value an engine would refuse (it answers
     * 400 itself), or {@code size=1}.
     */
    static ViewList of(Exchange ex, Map<String, List<String>> filters) {
        if (ex.flag("size") || !FILTERS.containsAll(filters.keySet())) {
            return null;
        }
        if (filters.containsKey("status") && !STATES.containsAll(filters.get("status"))) {
            return null;
        }
        if (filters.containsKey("exited")) {
            for (String v : filters.get("exited")) {
                if (!v.matches("-?\\d{1,9}")) {
                    return null;
                }
            }
        }
        String limit = ex.param("limit");
        if (limit != null && !limit.matches("-?\\d{1,9}")) {
            return null;
        }
        // as dockerd: a limit or a status filter lists stopped containers too
        boolean all = ex.flag("all") || (limit != null && Integer.parseInt(limit) > 0) || filters.containsKey("status");
        return new ViewList(all, filters);
    }

    /** The entries of these (ready) views that pass the filters. */
    List<ContainerEntry> select(ContainerViews views, Collection<NodeContainers> nodes) {
        List<ContainerEntry> out = new ArrayList<>();
        if (labels != null && !labels.isEmpty()) {
            Set<String> nodeIds = new java.util.HashSet<>();
            nodes.forEach(n -> nodeIds.add(n.nodeId()));
            // the label key with the fewest containers gives the candidates
            Set<ContainerEntry> fewest = null;
            for (String l : labels) {
                int eq = l.indexOf('=');
                Set<ContainerEntry> s = views.withLabel(eq < 0 ? l : l.substring(0, eq));
                fewest = fewest == null || s.size() < fewest.size() ? s : fewest;
            }
            for (ContainerEntry e : fewest) {
                if (nodeIds.contains(e.nodeId()) && matches(e)) {
                    out.add(e);
                }
            }
            return out;
        }
        for (NodeContainers n : nodes) {
            for (ContainerEntry e : n.entries()) {
                if (matches(e)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    boolean matches(ContainerEntry e) {
        if (!all && !e.state().listedWithoutAll()) {
            return false;
        }
        if (ids != null && ids.stream().noneMatch(v -> e.engineId().startsWith(v))) {
            return false;
        }
        if (names != null && !matchesName(e.name())) {
            return false;
        }
        if (labels != null) {
            for (String l : labels) {
                int eq = l.indexOf('=');
                String v = e.labels().get(eq < 0 ? l : l.substring(0, eq));
                if (v == null || eq >= 0 && !v.equals(l.substring(eq + 1))) {
                    return false;
                }
            }
        }
        if (states != null && !states.contains(e.state().status())) {
            return false;
        }
        if (exited != null && (e.state().running() || e.state().startedAt() == null
                || !exited.contains(e.state().exitCode()))) {
            return false;
        }
        return true;
    }

    /** dockerd matches a name filter against the name with and without its slash: exactly, or as a regex found. */
    private boolean matchesName(String name) {
        String slashed = "/" + name;
        if (names.contains(name) || names.contains(slashed)) {
            return true;
        }
        for (String literal : literalNames) {
            if (slashed.contains(literal)) { // as a regular expression found in the name, with or without its slash
                return true;
            }
        }
        for (Pattern p : namePatterns) {
            if (p.matcher(name).find() || p.matcher(slashed).find()) {
                return true;
            }
        }
        return false;
    }

    // ---- rendering ------------------------------------------------------------------------------------------

    /** The last cluster networks seen (name → ID): the same object while they are unchanged. */
    private static volatile Map<String, String> lastNetworks = Map.of();

    /** Identifies the cluster networks now, for {@link #write}: equal networks give the same object. */
    static Object networksKey(dev.shoal.manager.api.Cluster cluster) {
        Map<String, String> now = new java.util.HashMap<>();
        for (var r : dev.shoal.manager.api.networks.NetworksApi.records(cluster)) {
            now.put(r.name(), r.id());
        }
        Map<String, String> last = lastNetworks;
        if (last.equals(now)) {
            return last;
        }
        lastNetworks = now;
        return now;
    }

    /** An entry's serialized cluster form, for one node name, address and set of cluster networks. */
    private record Rendered(String nodeName, String nodeIp, Object networks, byte[] head, byte[] tail) { }

    /**
     * The entry's bytes as the list answers it at {@code now}. {@code networks} identifies the cluster networks the
     * network IDs were rewritten for (the same object while they are unchanged); {@code rewrite} makes the
     * cluster form of a copy of the engine's entry.
     */
    static void write(JsonArrayWriter out, ContainerEntry e, NodeStatus node, Object networks, Instant now,
                      java.util.function.Consumer<ObjectNode> rewrite) throws IOException {
        Rendered r = e.rendering() instanceof Rendered cached && cached.networks() == networks
                && cached.nodeName().equals(node.name()) && cached.nodeIp().equals(node.record().ip()) ? cached : null;
        if (r == null) {
            ObjectNode copy = e.summary();
            rewrite.accept(copy);
            copy.put("Status", STATUS_MARK);
            byte[] bytes = ClusterStore.JSON.writeValueAsBytes(copy);
            int at = indexOf(bytes, MARK_BYTES);
            r = new Rendered(node.name(), node.record().ip(), networks, java.util.Arrays.copyOfRange(bytes, 0, at),
                    java.util.Arrays.copyOfRange(bytes, at + MARK_BYTES.length, bytes.length));
            e.rendering(r);
        }
        out.element(r.head(), e.state().render(now), r.tail());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("status mark not found");
    }
}
