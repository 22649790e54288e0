package dev.shoal.node.engine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;

/** Where a Docker engine listens: {@code unix:///var/run/docker.sock} or {@code tcp://host:port}. */
public record EngineAddress(URI uri) {
    public static final EngineAddress DEFAULT = parse("unix:///var/run/docker.sock");

    public EngineAddress {
        String scheme = uri.getScheme();
        if ("unix".equals(scheme)) {
            if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getHost() != null) {
                throw new IllegalArgumentException("expected unix:///path/to/docker.sock, got '" + uri + "'");
            }
        } else if ("tcp".equals(scheme)) {
            if (uri.getHost() == null || uri.getPort() < 1
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
                throw new IllegalArgumentException("expected tcp://HOST:PORT, got '" + uri + "'");
            }
        } else {
            throw new IllegalArgumentException("engine address must start with unix:// or tcp://, got '" + uri + "'");
        }
    }

    public static EngineAddress parse(String text) {
        try {
            return new EngineAddress(new URI(text.strip()));
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("bad engine address '" + text + "'");
        }
    }

    public boolean isUnix() {
        return "unix".equals(uri.getScheme());
    }

    /** The address to open a raw connection to (for the proxy). */
    public SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(uri.getPath())
                : new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    @Override public String toString() {
        return uri.toString();
    }
}
