package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What a list entry's {@code State} and {@code Status} come from: a container's {@code State} as its engine's
 * inspect gave it. The Status is relative to now, so it is rendered when a list is answered, as dockerd renders it.
 *
 * @param status     inspect's {@code State.Status}: created, running, paused, restarting, removing, exited, dead
 * @param startedAt  null when never started (Go's zero time)
 * @param finishedAt null when it never finished
 * @param health     {@code State.Health.Status} (starting, healthy, unhealthy), null without a health check
 */
public record ContainerState(String status, boolean running, boolean paused, boolean restarting, boolean dead,
                             int exitCode, Instant startedAt, Instant finishedAt, String health) {

    /** From an inspect answer's {@code State} object. */
    public static ContainerState of(JsonNode state) {
        JsonNode health = state.path("Health").path("Status");
        return new ContainerState(state.path("Status").asText(""), state.path("Running").asBoolean(),
                state.path("Paused").asBoolean(), state.path("Restarting").asBoolean(), state.path("Dead").asBoolean(),
                state.path("ExitCode").asInt(), time(state.path("StartedAt").asText("")),
                time(state.path("FinishedAt").asText("")), health.isTextual() ? health.asText() : null);
    }

    /** Go's zero time ({@code 0001-01-01T00:00:00Z}) and anything unreadable are "never". */
    static Instant time(String text) {
        if (text.isEmpty() || text.startsWith("0001-")) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Whether {@code docker ps} without {@code -a} lists it (dockerd: Running, which paused and restarting are). */
    public boolean listedWithoutAll() {
        return running;
    }

    /** Whether the Status text changes with time (then it is rendered per answer, else it is fixed). */
    public boolean timeDependent() {
        return running || !(status.equals("removing") || dead || startedAt == null || finishedAt == null);
    }

    /** The Status column as dockerd's container state String() gives it at {@code now}. */
    public String render(Instant now) {
        if (running) {
            if (paused) {
                return "Up " + since(startedAt, now) + " (Paused)";
            }
            if (restarting) {
                return "Restarting (" + exitCode + ") " + since(finishedAt, now) + " ago";
            }
            if (health != null) {
                return "Up " + since(startedAt, now) + " (" + (health.equals("starting") ? "health: starting" : health)
                        + ")";
            }
            return "Up " + since(startedAt, now);
        }
        if (status.equals("removing")) {
            return "Removal In Progress";
        }
        if (dead) {
            return "Dead";
        }
        if (startedAt == null) {
            return "Created";
        }
        if (finishedAt == null) {
            return "";
        }
        return "Exited (" + exitCode + ") " + since(finishedAt, now) + " ago";
    }

    private static String since(Instant t, Instant now) {
        return HumanDuration.of(t == null ? Duration.ZERO : Duration.between(t, now));
    }
}
