package dev.shoal.manager.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.state.ClusterStore;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * Calls one node's Docker engine (through its agent, or directly for a bare engine) for requests whose answer
 * the manager reads or changes: create, inspect, list, delete. Pass-through streams go through
 * the API layer's EngineProxy instead.
 *
 * <p>Request and reply calls go over kept-alive connections, at most {@link NodePool#MAX_CONNECTIONS} per node
 * (Netty, BoringSSL): at hundreds of nodes a TLS handshake per call in flight was most of a create's cost. The
 * open-ended streams ({@link #stream}, {@link #postStream}) still use the JDK client, a connection each.
 */
public final class EngineClient {
    public static final String API = "/v1.41";
    private static final long CALL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** A call is given up for a node's silence only once it has waited this long itself. */
    private static final long GIVE_UP_AFTER_NANOS = 1_000_000_000L;
    /** Image archives can be gigabytes: a load may take far longer than an ordinary call. */
    private static final long UPLOAD_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(30);
    /** The largest reply read into memory (a node's full container list with thousands of containers fits). */
    static final int MAX_REPLY_BYTES = 64 << 20;

    /**
     * The manager's certificate for calls to nodes, as both clients take it: the JDK's for the streams, Netty's for
     * the kept connections; both trust only the cluster CA and check the node (see {@code NodePeerTrust}).
     */
    public record Tls(SSLContext streams, SslContext calls) {}

    private final Bootstrap bootstrap;
    private final int maxReplyBytes;
    private final boolean secure;
    private final Map<String, NodePool> pools = new ConcurrentHashMap<>();
    private volatile HttpClient http;
    private volatile SslContext calls;
    /** Whether a node (by address) still beats; a call to one that stopped is given up (see {@link #send}). */
    private volatile Predicate<String> alive = address -> true;

    /**
     * @param loops       the event loops the kept connections run on
     * @param channelType the client channel type that {@code loops} take
     * @param tls         the manager's certificate, trusting only the cluster CA (nodes' certificates name their
     *                    advertised address, so hostnames verify); null calls nodes over plain HTTP
     *                    (--insecure-cluster)
     */
    public EngineClient(EventLoopGroup loops, Class<? extends Channel> channelType, Tls tls) {
        this(loops, channelType, tls, MAX_REPLY_BYTES);
    }

    EngineClient(EventLoopGroup loops, Class<? extends Channel> channelType, Tls tls, int maxReplyBytes) {
        this.bootstrap = new Bootstrap().group(loops).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, NodePool.CONNECT_TIMEOUT_MILLIS);
        this.maxReplyBytes = maxReplyBytes;
        this.secure = tls != null;
        this.http = client(tls == null ? null : tls.streams());
        this.calls = tls == null ? null : tls.calls();
    }

    private static HttpClient client(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .executor(Executors.newVirtualThreadPerTaskExecutor());
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /**
     * Connections opened from now on present {@code tls} (the manager's renewed certificate); kept ones and
     * streams in flight go on with the old one until they close (a kept one within {@link NodePool#IDLE_SECONDS}
     * of idleness).
     */
    public void useTls(Tls tls) {
        if (!secure) {
            throw new IllegalStateException("a plain-HTTP client takes no TLS context");
        }
        calls = tls.calls();
        HttpClient old = http;
        http = client(tls.streams());
        old.shutdown();
    }

    /**
     * Tells the client which nodes still beat: a call to a node that falls silent while it is asked (its link cut)
     * is given up then, instead of after its time-out: a kept-alive connection to a cut node would otherwise hold
     * {@code docker logs}, {@code inspect} and every fan-out for a minute.
     */
    public void giveUpWhen(Predicate<String> alive) {
        this.alive = alive;
    }

    /** Connections open to the node at {@code address}, busy or idle. */
    int openConnections(String address) {
        NodePool pool = pools.get(address);
        return pool == null ? 0 : pool.open();
    }

    /** A reply: status and body bytes. */
    public record Reply(int status, byte[] body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public JsonNode json() {
            if (body.length == 0) {
                return MissingNode.getInstance();
            }
            try {
                return ClusterStore.JSON.readTree(body);
            } catch (IOException e) {
                return MissingNode.getInstance();
            }
        }

        /** The engine's error message, from its {"message": …} body. */
        public String message() {
            String m = json().path("message").asText("");
            return m.isEmpty() ? new String(body, StandardCharsets.UTF_8).trim() : m;
        }

        /** Re-throws the engine's answer unchanged, as a Docker API error. */
        public DockerException asError() {
            return new DockerException(status, message());
        }
    }

    public Reply get(String address, String pathAndQuery) {
        return send(address, HttpMethod.GET, pathAndQuery, null, null, null, CALL_TIMEOUT_NANOS);
    }

    public Reply delete(String address, String pathAndQuery) {
        return send(address, HttpMethod.DELETE, pathAndQuery, null, null, null, CALL_TIMEOUT_NANOS);
    }

    public Reply post(String address, String pathAndQuery, byte[] jsonBody) {
        return send(address, HttpMethod.POST, pathAndQuery, jsonBody, jsonBody == null ? null : "application/json",
                null, CALL_TIMEOUT_NANOS);
    }

    /** Posts {@code body}'s file, streamed from disk as it is sent. */
    public Reply postFile(String address, String pathAndQuery, Path body, String contentType) {
        if (!Files.isReadable(body)) {
            throw new DockerException(500, "cannot read request body: " + body);
        }
        return send(address, HttpMethod.POST, pathAndQuery, null, contentType, body, UPLOAD_TIMEOUT_NANOS);
    }

    /** Opens a streaming GET (events, logs); the caller closes the stream. */
    public HttpResponse<InputStream> stream(String address, String pathAndQuery) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri(address, pathAndQuery)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Opens a streaming POST with no body and no time limit (a container wait); the caller closes the stream. */
    public HttpResponse<InputStream> postStream(String address, String pathAndQuery) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri(address, pathAndQuery))
                            .POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * A refused connection delivered nothing, so any call may be made again: an agent restarting (its port closed
     * for a moment) is tried twice more, 200 and 400 ms later, while its node still beats. A read whose kept-alive
     * connection the node had closed (before any answer) is sent once more on another; a write only if nothing of it
     * was written, as it may have been done.
     */
    private Reply send(String address, HttpMethod method, String pathAndQuery, byte[] body, String contentType,
                       Path file, long timeoutNanos) {
        NodePool pool = pools.computeIfAbsent(address, this::pool);
        Exchange.Request request = new Exchange.Request(method, API + pathAndQuery, address, body, contentType, file);
        boolean resent = false;
        for (int attempt = 1; ; ) {
            try {
                return sendOnce(pool, address, request, timeoutNanos);
            } catch (Refused refused) {
                if (attempt >= 3 || !alive.test(address)) {
                    throw new DockerException(502, "node at " + address + " did not answer: " + refused.getMessage());
                }
                try {
                    Thread.sleep(200L * attempt); // back-off before connecting again, not a synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DockerException(503, "interrupted while calling node at " + address);
                }
                attempt++;
            } catch (Stale stale) {
                if (resent || (method != HttpMethod.GET && !stale.unsent)) {
                    throw new DockerException(502, "node at " + address + " did not answer: " + stale.getMessage());
                }
                resent = true;
            }
        }
    }

    private NodePool pool(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new NodePool(host, Integer.parseInt(address.substring(colon + 1)), bootstrap,
                secure ? () -> calls : null);
    }

    /** The connection was refused: nothing reached the node. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The kept-alive connection was closed by the node before it answered; {@code unsent}: before it was written. */
    private static final class Stale extends RuntimeException {
        final boolean unsent;

        Stale(String message, boolean unsent) {
            super(message, null, false, false);
            this.unsent = unsent;
        }
    }

    /**
     * One exchange, waited for in slices so that a node falling silent is noticed; an interrupt of the caller (a
     * fan-out abandoning this node) abandons the exchange too.
     */
    private Reply sendOnce(NodePool pool, String address, Exchange.Request request, long timeoutNanos) {
        Exchange exchange = Exchange.start(pool, request, maxReplyBytes);
        long started = System.nanoTime();
        try {
            while (true) {
                try {
                    return exchange.result().get(250, TimeUnit.MILLISECONDS);
                } catch (TimeoutException slow) {
                    long waited = System.nanoTime() - started;
                    if (waited > timeoutNanos) {
                        exchange.abort();
                        throw new DockerException(502, "node at " + address + " did not answer within "
                                + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s");
                    }
                    if (waited > GIVE_UP_AFTER_NANOS && !alive.test(address)) {
                        exchange.abort();
                        throw new DockerException(502, "node at " + address
                                + " did not answer: it stopped sending heartbeats");
                    }
                }
            }
        } catch (InterruptedException e) {
            exchange.abort();
            Thread.currentThread().interrupt();
            throw new DockerException(503, "interrupted while calling node at " + address);
        } catch (ExecutionException e) {
            throw failure(address, e.getCause());
        }
    }

    private static RuntimeException failure(String address, Throwable cause) {
        if (cause instanceof ConnectException refused && !(cause instanceof ConnectTimeoutException)) {
            return new Refused(describe(refused));
        }
        if (cause instanceof Exchange.Closed closed && closed.staleConnection) {
            return new Stale(describe(closed), closed.unsent);
        }
        if (cause instanceof Exchange.Unreadable unreadable) {
            return new DockerException(500, "cannot read request body: " + describe(unreadable));
        }
        if (cause instanceof Exchange.TooLarge tooLarge) {
            return new DockerException(502, "node at " + address + " answered too much: " + describe(tooLarge));
        }
        return new DockerException(502, "node at " + address + " did not answer: " + describe(cause));
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private URI uri(String address, String pathAndQuery) {
        return URI.create((secure ? "https://" : "http://") + address + API + pathAndQuery);
    }
}
