package dev.shoal.scheduler.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.expr.ParseException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one container (task) asks of the scheduler: a reservation and the rules its node must satisfy.
 * Build with {@link #builder()}; {@link Builder#fromDocker} reads classic Swarm's
 * {@code constraint:…}/{@code affinity:…} environment entries and the
 * {@code com.docker.swarm.constraints}/{@code com.docker.swarm.affinities} labels (JSON arrays).
 */
public record Request(long memory, long nanoCpus, List<Expr> constraints, List<Expr> affinities,
                      List<PortBinding> ports, List<Dependency> dependencies, List<NodeSet> nodeSets) {
    public static final String CONSTRAINTS_LABEL = "com.docker.swarm.constraints";
    public static final String AFFINITIES_LABEL = "com.docker.swarm.affinities";
    private static final Request NONE = new Request(0, 0, List.of(), List.of(), List.of(), List.of(), List.of());

    public Request {
        if (memory < 0 || nanoCpus < 0) {
            throw new IllegalArgumentException("negative reservation");
        }
        constraints = List.copyOf(constraints);
        affinities = List.copyOf(affinities);
        ports = List.copyOf(ports);
        dependencies = List.copyOf(dependencies);
        nodeSets = List.copyOf(nodeSets);
    }

    /** No reservation, no rules. */
    public static Request none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This request with its soft constraints and affinities removed. */
    public Request hardOnly() {
        return new Request(memory, nanoCpus, constraints.stream().filter(e -> !e.soft()).toList(),
                affinities.stream().filter(e -> !e.soft()).toList(), ports, dependencies, nodeSets);
    }

    public boolean hasSoftRules() {
        for (Expr e : constraints) {
            if (e.soft()) {
                return true;
            }
        }
        for (Expr e : affinities) {
            if (e.soft()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The CPU to reserve: NanoCPUs if set; otherwise, with the classic option, {@code --cpu-shares N} read as N cores
     * (classic Swarm's reading), else nothing.
     */
    public static long nanoCpus(long nanoCpus, long cpuShares, boolean cpuSharesAsCores) {
        if (nanoCpus > 0) {
            return nanoCpus;
        }
        if (!cpuSharesAsCores || cpuShares <= 0) {
            return 0;
        }
        if (cpuShares > Long.MAX_VALUE / 1_000_000_000L) {
            throw new ParseException("resource", "CpuShares=" + cpuShares, "more CPUs than can be counted");
        }
        return cpuShares * 1_000_000_000L;
    }

    /** This request also limited to the nodes of {@code set}. */
    public Request onlyOn(NodeSet set) {
        List<NodeSet> sets = new ArrayList<>(nodeSets);
        sets.add(set);
        return new Request(memory, nanoCpus, constraints, affinities, ports, dependencies, sets);
    }

    /** Jackson loads only when a request carries the JSON labels. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    public static final class Builder {
        private long memory;
        private long nanoCpus;
        private final List<Expr> constraints = new ArrayList<>();
        private final List<Expr> affinities = new ArrayList<>();
        private final List<PortBinding> ports = new ArrayList<>();
        private final List<Dependency> dependencies = new ArrayList<>();
        private final List<NodeSet> nodeSets = new ArrayList<>();

        public Builder memory(long bytes) {
            this.memory = bytes;
            return this;
        }

        public Builder nanoCpus(long nanoCpus) {
            this.nanoCpus = nanoCpus;
            return this;
        }

        /** {@code node==node1}, {@code storagedriver==overlay2}, {@code zone!=~/eu-.*&#47;}, … */
        public Builder constraint(String expression) {
            constraints.add(Expr.constraint(expression));
            return this;
        }

        /** {@code container==web}, {@code image==redis}, {@code com.example.type==frontend}, … */
        public Builder affinity(String expression) {
            affinities.add(Expr.affinity(expression));
            return this;
        }

        public Builder port(PortBinding port) {
            ports.add(port);
            return this;
        }

        public Builder port(int hostPort) {
            return port(PortBinding.tcp(hostPort));
        }

        public Builder dependency(Dependency dependency) {
            dependencies.add(dependency);
            return this;
        }

        public Builder onlyOn(NodeSet set) {
            nodeSets.add(set);
            return this;
        }

        public Builder volumesFrom(String spec) {
            return dependency(Dependency.volumesFrom(spec));
        }

        public Builder link(String spec) {
            return dependency(Dependency.link(spec));
        }

        /** {@code --net X}/{@code --network X}: only {@code container:NAME} is a dependency. */
        public Builder networkMode(String mode) {
            if (mode != null && mode.startsWith("container:")) {
                dependency(new Dependency(Dependency.Kind.NET, mode.substring("container:".length())));
            }
            return this;
        }

        /** {@code --ipc X}: only {@code container:NAME} is a dependency. */
        public Builder ipcMode(String mode) {
            if (mode != null && mode.startsWith("container:")) {
                dependency(new Dependency(Dependency.Kind.IPC, mode.substring("container:".length())));
            }
            return this;
        }

        /**
         * Reads the rules classic Swarm read from a container's config: environment entries
         * {@code constraint:EXPR} and {@code affinity:EXPR}, and the labels {@value #CONSTRAINTS_LABEL} and
         * {@value #AFFINITIES_LABEL} holding JSON arrays of expressions.
         *
         * @throws ParseException for any malformed expression or label (naming it)
         */
        public Builder fromDocker(List<String> env, Map<String, String> labels) {
            if (env != null) {
                for (String e : env) {
                    if (e == null) {
                        continue;
                    }
                    if (e.startsWith("constraint:")) {
                        constraint(e.substring("constraint:".length()));
                    } else if (e.startsWith("affinity:")) {
                        affinity(e.substring("affinity:".length()));
                    }
                }
            }
            if (labels != null) {
                for (String s : jsonArray("constraint", labels.get(CONSTRAINTS_LABEL))) {
                    constraint(s);
                }
                for (String s : jsonArray("affinity", labels.get(AFFINITIES_LABEL))) {
                    affinity(s);
                }
            }
            return this;
        }

        private static List<String> jsonArray(String kind, String text) {
            return ruleLabel(kind, text);
        }

        public Request build() {
            return new Request(memory, nanoCpus, constraints, affinities, ports, dependencies, nodeSets);
        }
    }

    /**
     * The expressions of a {@value #CONSTRAINTS_LABEL}/{@value #AFFINITIES_LABEL} label (a JSON array of strings;
     * empty for null or blank). {@code \!} — what an interactive shell leaves of {@code !}, and no valid JSON
     * escape — reads as {@code !}, so {@code ["container\!=c1"]} is {@code container!=c1}.
     *
     * @throws ParseException if the label is not a JSON array of strings
     */
    public static List<String> ruleLabel(String kind, String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(Expr.unescapeBang(text));
        } catch (Exception e) {
            throw new ParseException(kind, text, "label is not a JSON array of strings");
        }
        if (node == null || !node.isArray()) {
            throw new ParseException(kind, text, "label is not a JSON array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new ParseException(kind, text, "label is not a JSON array of strings");
            }
            out.add(item.asText());
        }
        return out;
    }
}
