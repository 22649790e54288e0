package dev.shoal.scheduler.model;

import java.util.Locale;

/**
 * A host port a container takes; {@code hostPort == 0} means "any free port" and never conflicts.
 *
 * @param hostMode true for a port a host-network container exposes ({@code --net=host --expose 80}): it binds the
 *                 host's port itself. Both modes take the same host port ({@link #key}), so a host-mode 80/tcp and a
 *                 bridge {@code -p 80:80} exclude each other on a node, as they do on a real host; the mode only
 *                 changes how the condition reads ({@code port 80/tcp (Host mode)}, {@code port 80 (Bridge mode)}).
 */
public record PortBinding(int hostPort, String protocol, boolean hostMode) {
    public PortBinding {
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port out of range: " + hostPort);
        }
        protocol = protocol == null || protocol.isBlank() ? "tcp" : protocol.toLowerCase(Locale.ROOT);
    }

    /** A bridge-mode binding ({@code -p HOST:CONTAINER}). */
    public PortBinding(int hostPort, String protocol) {
        this(hostPort, protocol, false);
    }

    public static PortBinding tcp(int hostPort) {
        return new PortBinding(hostPort, "tcp");
    }

    /** A port a host-network container exposes ({@code --net=host --expose 80/udp}). */
    public static PortBinding host(int port, String protocol) {
        return new PortBinding(port, protocol, true);
    }

    public boolean random() {
        return hostPort == 0;
    }

    /** {@code 80/tcp}: the key of a bound port on a node. */
    public String key() {
        return hostPort + "/" + protocol;
    }

    /**
     * The condition as classic Swarm listed it: {@code port 80/tcp (Host mode)}, {@code port 80 (Bridge mode)}
     * (classic printed the bare host port; a non-TCP one keeps its protocol here: {@code port 53/udp (Bridge mode)}).
     */
    public String condition() {
        if (hostMode) {
            return "port " + key() + " (Host mode)";
        }
        return "port " + (protocol.equals("tcp") ? String.valueOf(hostPort) : key()) + " (Bridge mode)";
    }
}
