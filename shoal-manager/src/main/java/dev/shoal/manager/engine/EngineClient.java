package dev.shoal.manager.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.state.ClusterStore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * Calls one node's Docker engine (through its agent, or directly for a bare engine) for requests whose answer
 * the manager reads or changes: create, inspect, list, delete. Pass-through streams go through
 * the API layer's EngineProxy instead.
 */
public final class EngineClient {
    public static final String API = "/v1.41";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    /** A call is given up for a node's silence only once it has waited this long itself. */
    private static final long GIVE_UP_AFTER_NANOS = 1_000_000_000L;
    /** Image archives can be gigabytes: a load may take far longer than an ordinary call. */
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(30);

    private volatile HttpClient http;
    private final String scheme;
    /** Whether a node (by address) still beats; a call to one that stopped is given up (see {@link #send}). */
    private volatile java.util.function.Predicate<String> alive = address -> true;

    /**
     * @param tls the manager's certificate, trusting only the cluster CA (nodes' certificates name their
     *            advertised address, so hostnames verify); null calls nodes over plain HTTP (--insecure-cluster)
     */
    public EngineClient(SSLContext tls) {
        this.http = client(tls);
        this.scheme = tls == null ? "http://" : "https://";
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
     * Calls from now on go over new connections with {@code tls} (the manager's renewed certificate); calls in
     * flight finish on the old client, which is then shut down.
     */
    public void useTls(SSLContext tls) {
        if (!scheme.equals("https://")) {
            throw new IllegalStateException("a plain-HTTP client takes no TLS context");
        }
        HttpClient old = http;
        http = client(tls);
        old.shutdown();
    }

    /**
     * Tells the client which nodes still beat: a call to a node that falls silent while it is asked (its link cut)
     * is given up then, instead of after {@link #CALL_TIMEOUT}: a kept-alive connection to a cut node would
     * otherwise hold {@code docker logs}, {@code inspect} and every fan-out for a minute.
     */
    public void giveUpWhen(java.util.function.Predicate<String> alive) {
        this.alive = alive;
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
        return send(address, HttpRequest.newBuilder(uri(address, pathAndQuery)).GET());
    }

    public Reply delete(String address, String pathAndQuery) {
        return send(address, HttpRequest.newBuilder(uri(address, pathAndQuery)).DELETE());
    }

    public Reply post(String address, String pathAndQuery, byte[] jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(address, pathAndQuery))
                .POST(jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(jsonBody));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        return send(address, b);
    }

    public Reply postFile(String address, String pathAndQuery, Path body, String contentType) {
        try {
            return send(address, HttpRequest.newBuilder(uri(address, pathAndQuery))
                    .header("Content-Type", contentType)
                    .timeout(UPLOAD_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofFile(body)));
        } catch (IOException e) {
            throw new DockerException(500, "cannot read request body: " + e.getMessage());
        }
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
     * for a moment) is tried twice more, 200 and 400 ms later, while its node still beats.
     */
    private Reply send(String address, HttpRequest.Builder request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return sendOnce(address, request);
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
            }
        }
    }

    /** The connection was refused: nothing reached the node. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private Reply sendOnce(String address, HttpRequest.Builder request) {
        try {
            HttpRequest built = request.build();
            if (built.timeout().isEmpty()) {
                built = request.timeout(CALL_TIMEOUT).build();
            }
            var pending = http.sendAsync(built, HttpResponse.BodyHandlers.ofByteArray());
            long started = System.nanoTime();
            while (true) {
                try {
                    HttpResponse<byte[]> r = pending.get(250, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return new Reply(r.statusCode(), r.body());
                } catch (InterruptedException e) {
                    pending.cancel(true); // the caller gave up (a fan-out abandoning this node): so does the call
                    throw e;
                } catch (java.util.concurrent.TimeoutException slow) {
                    if (System.nanoTime() - started > GIVE_UP_AFTER_NANOS && !alive.test(address)) {
                        pending.cancel(true);
                        throw new DockerException(502, "node at " + address
                                + " did not answer: it stopped sending heartbeats");
                    }
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.net.ConnectException refused) {
                throw new Refused(describe(refused));
            }
            String why = cause instanceof IOException io ? describe(io) : String.valueOf(cause);
            throw new DockerException(502, "node at " + address + " did not answer: " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DockerException(503, "interrupted while calling node at " + address);
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private URI uri(String address, String pathAndQuery) {
        return URI.create(scheme + address + API + pathAndQuery);
    }
}
