package dev.shoal.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.state.ClusterStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One API request and its answer. Route code runs on a virtual thread and ends the exchange exactly once: with
 * {@link #respond}, by closing a {@link #stream}, or by handing it to the engine proxy.
 */
public final class Exchange {
    private final Channel channel;
    private final HttpRequest request;
    private final RequestBody body;
    private final String path;
    private final QueryStringDecoder query;
    private final boolean keepAlive;
    private final AtomicBoolean completed = new AtomicBoolean();
    private final AtomicBoolean gone = new AtomicBoolean();
    private final List<Runnable> onGone = new CopyOnWriteArrayList<>();
    private final Runnable onComplete;
    private volatile ResponseStream stream;
    private volatile Runnable writabilityListener;
    private volatile boolean proxied;
    private volatile Runnable beforeAnswer;
    private volatile Runnable atEnd;

    Exchange(Channel channel, HttpRequest request, RequestBody body, String path, Runnable onComplete) {
        this.channel = channel;
        this.request = request;
        this.body = body;
        this.path = path;
        this.query = new QueryStringDecoder(request.uri());
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.onComplete = onComplete;
    }

    public HttpMethod method() {
        return request.method();
    }

    /** The path without its /vX.Y prefix, e.g. /containers/json. */
    public String path() {
        return path;
    }

    public HttpRequest request() {
        return request;
    }

    public Channel channel() {
        return channel;
    }

    public RequestBody body() {
        return body;
    }

    /** The raw query string, without '?', or "". */
    public String rawQuery() {
        String q = query.rawQuery();
        return q == null ? "" : q;
    }

    /** "?" plus the raw query, or "" when there is none: ready to append to a path. */
    public String queryString() {
        String q = rawQuery();
        return q.isEmpty() ? "" : "?" + q;
    }

    public Map<String, List<String>> params() {
        return query.parameters();
    }

    public String param(String name) {
        List<String> v = query.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public boolean flag(String name) {
        String v = param(name);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    public boolean isUpgrade() {
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    public void respondJson(int status, Object value) {
        byte[] bytes;
        try {
            bytes = value instanceof byte[] b ? b : ClusterStore.JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        respond(status, "application/json", bytes);
    }

    public void respondEmpty(int status) {
        respond(status, null, new byte[0]);
    }

    public void respondError(int status, String message) {
        JsonNode body = ClusterStore.JSON.createObjectNode().put("message", message);
        respondJson(status, body);
    }

    public void respondText(int status, String text) {
        respond(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    public void respond(int status, String contentType, byte[] bytes) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(bytes));
        if (contentType != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        decorate(res);
        HttpUtil.setContentLength(res, bytes.length);
        var f = channel.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        complete();
    }

    /** Starts a chunked 200-style response the caller writes to and then closes. */
    public ResponseStream stream(int status, String contentType) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setTransferEncodingChunked(res, true);
        decorate(res);
        ResponseStream s = new ResponseStream(channel, this);
        stream = s;
        channel.writeAndFlush(res);
        return s;
    }

    /**
     * Runs {@code r} once, just before the answer's head goes to the client (also when the engine proxy relays
     * it): what the manager must have noted before the client can hear back (a change a read must then show).
     */
    public void beforeAnswer(Runnable r) {
        beforeAnswer = r;
    }

    /**
     * Runs {@code r} once when the answer has ended (its last byte handed to the client's connection), before the
     * connection takes its next request: for an answer whose head comes long before what it reports (a wait).
     */
    public void atEnd(Runnable r) {
        atEnd = r;
    }

    /** Adds the headers every Docker engine answer carries. */
    public void decorate(HttpResponse res) {
        Runnable before = beforeAnswer;
        if (before != null) {
            beforeAnswer = null;
            before.run();
        }
        res.headers().set("Api-Version", dev.shoal.model.ShoalVersion.API_VERSION);
        res.headers().set("Docker-Experimental", "false");
        res.headers().set("Ostype", "linux");
        res.headers().set(HttpHeaderNames.SERVER, "Shoal/" + dev.shoal.model.ShoalVersion.VERSION + " (linux)");
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /** Runs {@code r} once the client disconnects (at once if it already has). */
    public void onClientGone(Runnable r) {
        onGone.add(r);
        if (gone.get()) {
            r.run();
        }
    }

    public boolean clientGone() {
        return gone.get();
    }

    /** Set by the engine proxy: called when the client channel can take more bytes. */
    public void onWritable(Runnable r) {
        writabilityListener = r;
    }

    void writabilityChanged() {
        ResponseStream s = stream;
        if (s != null) {
            s.writabilityChanged();
        }
        Runnable r = writabilityListener;
        if (r != null && channel.isWritable()) {
            r.run();
        }
    }

    void clientDisconnected() {
        if (gone.compareAndSet(false, true)) {
            onGone.forEach(Runnable::run);
            ResponseStream s = stream;
            if (s != null) {
                s.writabilityChanged();
            }
        }
        body.close();
    }

    /** Marks the answer finished: the connection may take its next request. */
    public void complete() {
        if (completed.compareAndSet(false, true)) {
            Runnable end = atEnd;
            if (end != null) {
                atEnd = null;
                end.run();
            }
            // the body is fed on the client's event loop (a streamed one may still be arriving): closed there too
            if (channel.eventLoop().inEventLoop()) {
                body.close();
            } else {
                channel.eventLoop().execute(body::close);
            }
            onComplete.run();
        }
    }

    /** Marks the exchange as handed to the engine proxy, which completes it when the engine's answer ends. */
    public void markProxied() {
        proxied = true;
    }

    public boolean isProxied() {
        return proxied;
    }

    public boolean isComplete() {
        return completed.get();
    }
}
