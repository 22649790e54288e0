package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.state.ClusterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The Status column as dockerd 20.10 renders it: go-units HumanDuration and the container state's String(). */
class StatusTextTest {
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
        "0, Less than a second", "999, Less than a second", "1000, 1 second", "1999, 1 second",
        "2000, 2 seconds", "59999, 59 seconds", "60000, About a minute", "119999, About a minute",
        "120000, 2 minutes", "3599999, 59 minutes",
        // hours are rounded: 89 min is about an hour, 90 min two hours
        "3600000, About an hour", "5399999, About an hour", "5400000, 2 hours",
        "172799999, 2 days", "170999999, 47 hours", "1207799999, 13 days", "1209599999, 2 weeks", "5182199999, 8 weeks",
        "5184000000, 2 months", "63070199999, 24 months", "63071999999, 1 years", "63072000000, 2 years", "-5000, Less than a second"})
    void humanDuration(long millis, String text) {
        assertThat(HumanDuration.of(Duration.ofMillis(millis))).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"Status\":\"running\",\"Running\":true,\"StartedAt\":\"2026-12-02T11:55:00.123Z\"}| Up 4 minutes",
        "{\"Status\":\"running\",\"Running\":true,\"StartedAt\":\"2026-12-02T11:59:59.5Z\"}| Up Less than a second",
        "{\"Status\":\"paused\",\"Running\":true,\"Paused\":true,\"StartedAt\":\"2026-12-02T10:00:00Z\"}| Up 2 hours (Paused)",
        "{\"Status\":\"running\",\"Running\":true,\"StartedAt\":\"2026-12-02T11:59:30Z\",\"Health\":{\"Status\":\"starting\"}}| Up 30 seconds (health: starting)",
        "{\"Status\":\"running\",\"Running\":true,\"StartedAt\":\"2026-12-02T11:59:00Z\",\"Health\":{\"Status\":\"healthy\"}}| Up About a minute (healthy)",
        "{\"Status\":\"running\",\"Running\":true,\"StartedAt\":\"2026-12-02T11:00:00Z\",\"Health\":{\"Status\":\"unhealthy\"}}| Up About an hour (unhealthy)",
        "{\"Status\":\"restarting\",\"Running\":true,\"Restarting\":true,\"ExitCode\":1,\"StartedAt\":\"2026-12-02T11:59:50Z\",\"FinishedAt\":\"2026-12-02T11:59:57Z\"}| Restarting (1) 3 seconds ago",
        "{\"Status\":\"exited\",\"ExitCode\":137,\"StartedAt\":\"2026-11-30T12:00:00Z\",\"FinishedAt\":\"2026-11-30T12:00:00Z\"}| Exited (137) 2 days ago",
        "{\"Status\":\"exited\",\"ExitCode\":0,\"StartedAt\":\"2026-12-02T09:00:00Z\",\"FinishedAt\":\"2026-12-02T10:00:00Z\"}| Exited (0) 2 hours ago",
        "{\"Status\":\"created\",\"StartedAt\":\"0001-01-01T00:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"}| Created",
        "{\"Status\":\"removing\",\"StartedAt\":\"2026-12-02T09:00:00Z\",\"FinishedAt\":\"2026-12-02T10:00:00Z\"}| Removal In Progress",
        "{\"Status\":\"dead\",\"Dead\":true,\"StartedAt\":\"2026-12-02T09:00:00Z\",\"FinishedAt\":\"2026-12-02T10:00:00Z\"}| Dead"})
    void statusOfAState(String state, String text) throws Exception {
        JsonNode json = ClusterStore.JSON.readTree(state);
        assertThat(ContainerState.of(json).render(NOW)).isEqualTo(text.strip());
    }
}
