package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.expr.Expr;

/** {@code constraint:key==value} (and {@code !=}, soft {@code ==~}/{@code !=~}) over node and engine labels. */
public record ConstraintFilter(Expr rule, long[] passing) implements Filter {
    public static ConstraintFilter of(ClusterSnapshot s, Expr rule) {
        return new ConstraintFilter(rule, s.constraintBits(rule));
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
        return s.satisfies(node, rule);
    }

    @Override
    public String explain(int failedNodes) {
        return empty(passing) ? "constraint " + rule.source() + " matched no node"
                : "constraint " + rule.source() + " not met on " + Filter.nodes(failedNodes);
    }

    static boolean empty(long[] bits) {
        for (long w : bits) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }
}
