package dev.shoal.node.proxy;

import dev.shoal.node.engine.EngineAddress;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays every connection accepted on the listener to the engine, byte for byte. It does not look at
 * the traffic and never acts on containers by itself.
 */
public final class EngineProxy implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineProxy.class);

    private final Listener listener;
    private final EngineAddress engine;
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private EngineProxy(Listener listener, EngineAddress engine) {
        this.listener = listener;
        this.engine = engine;
    }

    /** Starts accepting on {@code listener} (on a virtual thread) and relaying to {@code engine}. */
    public static EngineProxy start(Listener listener, EngineAddress engine) {
        EngineProxy proxy = new EngineProxy(listener, engine);
        Thread.ofVirtual().name("engine-proxy-accept").start(proxy::acceptLoop);
        return proxy;
    }

    public Listener listener() {
        return listener;
    }

    private void acceptLoop() {
        while (!closed) {
            Duplex client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("engine proxy stopped accepting: {}", e.toString());
                }
                return;
            }
            Thread.ofVirtual().name("engine-proxy-connect").start(() -> connect(client));
        }
    }

    private void connect(Duplex client) {
        try {
            client.establish();
        } catch (IOException e) {
            LOG.warn("refused a connection to the engine proxy: {}", e.getMessage());
            try {
                client.close();
            } catch (IOException ignored) {
                // closing a connection we refuse
            }
            return;
        }
        Duplex upstream;
        try {
            upstream = Duplex.of(SocketChannel.open(engine.socketAddress()));
        } catch (IOException e) {
            LOG.debug("cannot connect to engine {}: {}", engine, e.toString());
            try {
                client.close();
            } catch (IOException ignored) {
                // closing a connection we cannot serve
            }
            return;
        }
        Relay relay = new Relay(client, upstream, relays::remove);
        relays.add(relay);
        relay.start();
        if (closed) {
            relay.close();
        }
    }

    /** Number of connections being relayed now. */
    public int activeConnections() {
        return relays.size();
    }

    /** Stops accepting and drops the open connections. Containers are not touched. */
    @Override public void close() throws IOException {
        closed = true;
        listener.close();
        relays.forEach(Relay::close);
    }
}
