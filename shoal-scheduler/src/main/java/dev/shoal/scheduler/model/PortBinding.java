package dev.shoal.scheduler.model;

import java.util.Locale;

/** A host port a container publishes; {@code hostPort == 0} means "any free port" and never conflicts. */
public record PortBinding(int hostPort, String protocol) {
    public PortBinding {
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port out of range: " + hostPort);
        }
        protocol = protocol == null || protocol.isBlank() ? "tcp" : protocol.toLowerCase(Locale.ROOT);
    }

    public static PortBinding tcp(int hostPort) {
        return new PortBinding(hostPort, "tcp");
    }

    public boolean random() {
        return hostPort == 0;
    }

    /** {@code 80/tcp}: the key of a bound port on a node. */
    public String key() {
        return hostPort + "/" + protocol;
    }
}
