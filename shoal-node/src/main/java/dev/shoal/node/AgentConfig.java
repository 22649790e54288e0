package dev.shoal.node;

import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.tls.JoinToken;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@code shoal join} needs.
 *
 * @param token           the join token, needed only until the node has its certificate (may be null after)
 * @param insecureCluster plain HTTP and TCP to and from the manager, for debugging only
 */
public record AgentConfig(HostPort manager, String name, EngineAddress engine, HostPort advertise,
                          Map<String, String> labels, Path dataDir, JoinToken token, boolean insecureCluster) {
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/shoal/agent");

    public AgentConfig {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(advertise, "advertise");
        name = name == null || name.isBlank() ? defaultName() : name.strip();
        engine = engine == null ? EngineAddress.DEFAULT : engine;
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        dataDir = dataDir == null ? DEFAULT_DATA_DIR : dataDir;
    }

    /** Where the node keeps its key, certificate and the cluster CA. */
    public Path tlsDir() {
        return dataDir.resolve("tls");
    }

    /** This host's name (the UTS namespace's, on Linux). */
    public static String defaultName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (Exception ignored) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
