package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.ImageInfo;

/**
 * {@code affinity:container==web} (a container's name or id), {@code affinity:com.example.type==frontend} (a
 * container label): {@code ==} wants a node running such a container, {@code !=} a node running none.
 * {@code affinity:image==redis} wants a node whose engine holds the image (classic Swarm's reading: by ID, short ID,
 * {@code repo:tag}, repository without tag, or digest; also the image of a container running there), {@code !=} a
 * node holding none. Soft forms as for constraints.
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
        if (!any[0] && rule.key().equals("image")) {
            for (ImageInfo image : s.imagesOn(node)) {
                if (matches(image, rule)) {
                    any[0] = true;
                    break;
                }
            }
        }
        return rule.negated() != any[0];
    }

    /** Short IDs shorter than this are not taken as an image ID prefix (docker prints 12 characters). */
    private static final int SHORT_ID = 12;

    static boolean matches(ImageInfo image, Expr rule) {
        var m = rule.matcher();
        String id = image.id();
        if (!id.isEmpty()) {
            String hex = id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
            if (m.matches(id) || m.matches(hex)) {
                return true;
            }
            String literal = m.literal();
            if (literal != null && literal.length() >= SHORT_ID
                    && (hex.startsWith(literal) || id.startsWith(literal))) {
                return true;
            }
        }
        for (String tag : image.repoTags()) {
            if (m.matches(tag) || m.matches(repository(tag))) {
                return true;
            }
        }
        for (String digest : image.repoDigests()) {
            if (m.matches(digest) || m.matches(repository(digest))) {
                return true;
            }
        }
        return false;
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
