package dev.shoal.manager.api.containers;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which calls through the manager change the run state a container's record asks for. */
class DesiredRunStateTest {
    @Test
    void startAndRestartRunItStopAndAKillingSignalEndItOtherCallsLeaveIt() {
        assertThat(ContainersApi.desiredRunning("/start", null)).isTrue();
        assertThat(ContainersApi.desiredRunning("/restart", null)).isTrue();
        assertThat(ContainersApi.desiredRunning("/stop", null)).isFalse();
        assertThat(ContainersApi.desiredRunning("/kill", null)).isFalse();
        assertThat(ContainersApi.desiredRunning("/kill", "")).isFalse();
        assertThat(ContainersApi.desiredRunning("/kill", "SIGKILL")).isFalse();
        assertThat(ContainersApi.desiredRunning("/kill", "9")).isFalse();
        // docker kill -s HUP reloads a server: it keeps running
        assertThat(ContainersApi.desiredRunning("/kill", "HUP")).isNull();
        assertThat(ContainersApi.desiredRunning("/pause", null)).isNull();
        assertThat(ContainersApi.desiredRunning("/logs", null)).isNull();
    }
}
