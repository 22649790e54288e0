package dev.shoal.scheduler;

import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.expr.ParseException;
import dev.shoal.scheduler.model.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExprTest {
    @Test
    void parsesOperatorsAndSoftness() {
        Expr eq = Expr.constraint("node==node1");
        assertThat(eq.key()).isEqualTo("node");
        assertThat(eq.negated()).isFalse();
        assertThat(eq.soft()).isFalse();
        Expr softNe = Expr.constraint("zone!=~eu-1");
        assertThat(softNe.negated()).isTrue();
        assertThat(softNe.soft()).isTrue();
        assertThat(softNe.value()).isEqualTo("eu-1");
        assertThat(softNe.canonical()).isEqualTo("zone!=eu-1");
        assertThat(Expr.constraint("storagedriver==~overlay2").soft()).isTrue();
    }

    @Test
    void literalsGlobsAndRegexesAreCaseSensitive() {
        assertThat(Expr.constraint("kk==abc").test("abc")).isTrue();
        assertThat(Expr.constraint("kk==abc").test("ABC")).isFalse();
        assertThat(Expr.constraint("kk==ab*").test("abcdef")).isTrue();
        assertThat(Expr.constraint("kk==*b*").test("abc")).isTrue();
        assertThat(Expr.constraint("kk==a.c").test("abc")).isFalse(); // '.' is literal in a glob
        assertThat(Expr.constraint("kk==/^ub.*u$/").test("ubuntu")).isTrue();
        assertThat(Expr.constraint("kk==/buntu/").test("ubuntu")).isTrue(); // found anywhere, as classic
        assertThat(Expr.constraint("kk==/Buntu/").test("ubuntu")).isFalse();
        assertThat(Expr.constraint("kk!=/^ub/").test("ubuntu")).isFalse();
        assertThat(Expr.constraint("kk!=x").test(null)).isTrue(); // absent label: != holds
        assertThat(Expr.constraint("kk==x").test(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"node=node1", "node", "==node1", "n==node1", "node==", "node==~", "1node==x",
            "no de==x", "zone==/[a-/", "k===x", "k==!x"})
    void malformedExpressionsAreRefusedNamingThem(String text) {
        assertThatThrownBy(() -> Expr.constraint(text))
                .isInstanceOf(ParseException.class)
                .hasMessageContaining("\"" + text.strip() + "\"")
                .hasMessageStartingWith("malformed constraint expression");
    }

    @Test
    void readsClassicEnvironmentAndLabels() {
        Request r = Request.builder().fromDocker(
                List.of("PATH=/bin", "constraint:node==node1", "affinity:image==~redis"),
                Map.of(Request.CONSTRAINTS_LABEL, "[\"zone==eu\",\"disk!=hdd\"]",
                        Request.AFFINITIES_LABEL, "[\"container!=web\"]")).build();
        assertThat(r.constraints()).extracting(Expr::source).containsExactly("node==node1", "zone==eu", "disk!=hdd");
        assertThat(r.affinities()).extracting(Expr::source).containsExactly("image==~redis", "container!=web");
        assertThat(r.hasSoftRules()).isTrue();
        assertThat(r.hardOnly().affinities()).extracting(Expr::source).containsExactly("container!=web");
    }

    @Test
    void malformedLabelsAndEnvAreRefused() {
        assertThatThrownBy(() -> Request.builder().fromDocker(List.of(),
                Map.of(Request.CONSTRAINTS_LABEL, "node==node1")))
                .isInstanceOf(ParseException.class).hasMessageContaining("node==node1");
        assertThatThrownBy(() -> Request.builder().fromDocker(List.of(),
                Map.of(Request.CONSTRAINTS_LABEL, "[\"node=node1\"]")))
                .isInstanceOf(ParseException.class).hasMessageContaining("\"node=node1\"");
        assertThatThrownBy(() -> Request.builder().fromDocker(List.of("affinity:container"), Map.of()))
                .isInstanceOf(ParseException.class).hasMessageStartingWith("malformed affinity expression");
    }

    @Test
    void cpuSharesCanBeReadAsCores() {
        assertThat(Request.nanoCpus(0, 2, true)).isEqualTo(2_000_000_000L);
        assertThat(Request.nanoCpus(0, 1024, false)).isZero();
        assertThat(Request.nanoCpus(500_000_000L, 2, true)).isEqualTo(500_000_000L);
    }
}
