package dev.shoal.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A tiny HTTP/1.0 GET over a Docker API unix socket; enough for /_ping and /info. */
final class DockerSocket {
    private DockerSocket() {}

    /** A response's status code and body. */
    record Response(int status, String body) {}

    static boolean ping(Path socket) {
        return get(socket, "/_ping", Duration.ofSeconds(2)).map(r -> r.status() == 200).orElse(false);
    }

    /** GETs {@code path}; empty when the socket is missing, refuses, times out or answers garbage. */
    static Optional<Response> get(Path socket, String path, Duration timeout) {
        if (!Files.exists(socket)) return Optional.empty();
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            return Optional.empty();
        }
        CompletableFuture<Optional<Response>> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (channel) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
                while (channel.read(buf) >= 0) {
                    all.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                result.complete(parse(all.toString(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
                result.complete(Optional.empty());
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            closeQuietly(channel);
            return Optional.empty();
        } catch (InterruptedException e) {
            closeQuietly(channel);
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static Optional<Response> parse(String raw) {
        int headEnd = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/") || headEnd < 0) return Optional.empty();
        String[] statusLine = raw.substring(0, raw.indexOf("\r\n")).split(" ");
        if (statusLine.length < 2) return Optional.empty();
        try {
            return Optional.of(new Response(Integer.parseInt(statusLine[1]), raw.substring(headEnd + 4)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
