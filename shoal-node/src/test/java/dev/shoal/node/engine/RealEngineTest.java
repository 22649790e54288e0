package dev.shoal.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs only where a real engine listens on the default socket (normally not on this machine). */
class RealEngineTest {
    @Test void readsPingInfoAndVersionFromTheLocalEngine() throws Exception {
        assumeTrue(Files.exists(Path.of("/var/run/docker.sock")), "no engine at /var/run/docker.sock");
        try (EngineClient client = new EngineClient(EngineAddress.DEFAULT)) {
            assumeTrue(pingable(client), "engine at /var/run/docker.sock does not answer");
            assertThat(client.info().has("ID")).isTrue();
            assertThat(client.version().has("ApiVersion")).isTrue();
        }
    }

    private static boolean pingable(EngineClient client) {
        try {
            return client.ping();
        } catch (Exception e) {
            return false;
        }
    }
}
