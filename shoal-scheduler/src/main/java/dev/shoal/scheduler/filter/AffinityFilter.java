package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.model.ContainerInfo;

/**
 * {@code affinity:container==web} (a container's name or id), {@code affinity:image==redis} (a container's image,
 * with or without its tag), {@code affinity:com.example.type==frontend} (a container label). {@code ==} wants a node
 * running such a container, {@code !=} a node running none; soft forms as for constraints.
 */
public record AffinityFilter(Expr rule, long[] passing) implements Filter {
    public static AffinityFilter of(ClusterSnapshot s, Expr rule) {
        long[] bits = new long[(s.size() + 63) >>> 6];
        for (int i = 0; i < s.size(); i++) {
            if (check(s, i, rule)) {
                bits[i >>> 6] |= 1L << i;
            }
        }
        return new AffinityFilter(rule, bits);
    }

    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        return rule.source();
    }

    @Override
    public boolean soft() {
        return rule.soft();
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return check(s, node, rule);
    }

    private static boolean check(ClusterSnapshot s, int node, Expr rule) {
        boolean[] any = {false};
        s.forEachContainer(node, c -> any[0] |= matches(c, rule));
        return rule.negated() != any[0];
    }

    private static boolean matches(ContainerInfo c, Expr rule) {
        var m = rule.matcher();
        return switch (rule.key()) {
            case "container" -> m.matches(c.name()) || m.matches(c.id());
            case "image" -> m.matches(c.image()) || m.matches(repository(c.image()));
            default -> {
                String v = c.labels().get(rule.key());
                yield v != null && m.matches(v);
            }
        };
    }

    /** {@code redis:7} → {@code redis}; {@code host:5000/app@sha256:…} → {@code host:5000/app}. */
    static String repository(String image) {
        int at = image.indexOf('@');
        String s = at < 0 ? image : image.substring(0, at);
        int colon = s.lastIndexOf(':');
        return colon > s.lastIndexOf('/') ? s.substring(0, colon) : s;
    }

    @Override
    public String explain(int failedNodes) {
        return ConstraintFilter.empty(passing) ? "affinity " + rule.source() + " matched no node"
                : "affinity " + rule.source() + " not met on " + Filter.nodes(failedNodes);
    }
}
