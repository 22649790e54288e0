package dev.shoal.manager.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One request and its reply on a pooled connection to a node. Everything but {@link #abort} runs on the connection's
 * event loop. The reply's body is read into memory up to a bound; a larger one fails the exchange and ends the
 * connection.
 */
final class Exchange {
    /** What is sent: {@code file}, if set, is streamed from disk as the body, never read whole. */
    record Request(HttpMethod method, String uri, String host, byte[] body, String contentType, Path file) {}

    /**
     * The connection closed before the whole reply came. {@code staleConnection}: before any of it, on a kept one
     * (the node had closed it); {@code unsent}: before anything was written on it.
     */
    static final class Closed extends IOException {
        final boolean staleConnection;
        final boolean unsent;

        Closed(String message, boolean staleConnection, boolean unsent) {
            super(message);
            this.staleConnection = staleConnection;
            this.unsent = unsent;
        }
    }

    /** The reply's body is larger than the bound. */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("answer larger than " + limit + " bytes");
        }
    }

    /** The request's body file could not be read; nothing was sent. */
    static final class Unreadable extends IOException {
        Unreadable(IOException cause) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
        }
    }

    private final NodePool pool;
    private final Request request;
    private final int maxReplyBytes;
    private final CompletableFuture<EngineClient.Reply> result = new CompletableFuture<>();
    private final CompletableFuture<Channel> lease;
    private volatile Channel channel;
    // on the event loop only:
    private boolean reused;
    private boolean sent;
    private boolean informational;
    private int status;
    private boolean keepAlive;
    private byte[] body;
    private int length;

    private Exchange(NodePool pool, Request request, int maxReplyBytes) {
        this.pool = pool;
        this.request = request;
        this.maxReplyBytes = maxReplyBytes;
        this.lease = pool.acquire();
    }

    /** Sends {@code request} on a connection from {@code pool} as soon as it has one. */
    static Exchange start(NodePool pool, Request request, int maxReplyBytes) {
        Exchange e = new Exchange(pool, request, maxReplyBytes);
        e.lease.whenComplete((ch, failed) -> {
            if (failed != null) {
                e.result.completeExceptionally(failed instanceof CompletionException c ? c.getCause() : failed);
            } else if (ch.eventLoop().inEventLoop()) {
                e.begin(ch);
            } else {
                ch.eventLoop().execute(() -> e.begin(ch));
            }
        });
        return e;
    }

    CompletableFuture<EngineClient.Reply> result() {
        return result;
    }

    /**
     * The caller gave up (interrupted, timed out, its node silent): a connection not yet had goes to the next caller,
     * one mid-exchange is closed (its state is unknown).
     */
    void abort() {
        if (!result.completeExceptionally(new CancellationException("given up"))) {
            return;
        }
        lease.cancel(false);
        pool.forget(lease);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void begin(Channel ch) {
        channel = ch;
        if (result.isDone()) { // given up before it had a connection: nothing was sent on it
            pool.release(ch, true);
            return;
        }
        Handler handler = ch.pipeline().get(Handler.class);
        if (handler == null || !ch.isActive()) {
            fail(ch, new Closed("connection closed before the call was sent", true, true));
            return;
        }
        reused = handler.served > 0;
        ChannelFutureListener written = f -> {
            if (f.isSuccess()) {
                sent = true;
            } else if (handler.current == this) {
                fail(ch, new Closed(Handler.describe(f.cause()), stale(), false));
            }
        };
        if (request.file() != null) {
            FileChannel file = null;
            long length;
            try {
                file = FileChannel.open(request.file(), StandardOpenOption.READ);
                length = file.size();
            } catch (IOException e) {
                closeQuietly(file);
                result.completeExceptionally(new Unreadable(e));
                pool.release(ch, true);
                return;
            }
            HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
            headers(head, length);
            handler.current = this;
            ch.write(head);
            try {
                ch.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file))).addListener(written);
            } catch (IOException e) {
                closeQuietly(file);
                fail(ch, new Unreadable(e));
            }
            return;
        }
        byte[] bytes = request.body();
        ByteBuf content = bytes == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        HttpRequest full = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(), content);
        headers(full, bytes == null && request.method() != HttpMethod.POST ? -1 : content.readableBytes());
        handler.current = this;
        ch.writeAndFlush(full).addListener(written);
    }

    private static void closeQuietly(FileChannel file) {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } catch (IOException ignored) {
            // only read from: nothing is lost
        }
    }

    private void headers(HttpRequest head, long length) {
        head.headers().set(HttpHeaderNames.HOST, request.host());
        if (request.contentType() != null) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, request.contentType());
        }
        if (length >= 0) {
            HttpUtil.setContentLength(head, length);
        }
    }

    /** Whether a failure now means the node had closed a kept connection: nothing of the answer came on it. */
    private boolean stale() {
        return reused && status == 0 && !informational;
    }

    /** A part of the reply; true once it is whole. */
    private boolean read(Channel ch, Object msg) {
        if (msg instanceof HttpResponse response) {
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (!informational) {
                status = response.status().code();
                keepAlive = HttpUtil.isKeepAlive(response);
                long declared = HttpUtil.getContentLength(response, -1L);
                if (declared > maxReplyBytes) {
                    fail(ch, new TooLarge(maxReplyBytes));
                    return false;
                }
                body = new byte[declared >= 0 ? (int) declared : 256];
                length = 0;
            }
        }
        if (msg instanceof HttpContent part && !informational && body != null) {
            ByteBuf data = part.content();
            int n = data.readableBytes();
            if ((long) length + n > maxReplyBytes) {
                fail(ch, new TooLarge(maxReplyBytes));
                return false;
            }
            if (length + n > body.length) {
                body = Arrays.copyOf(body, (int) Math.min(maxReplyBytes, Math.max(length + n, 2L * body.length)));
            }
            data.readBytes(body, length, n);
            length += n;
        }
        if (msg instanceof LastHttpContent) {
            if (informational) {
                informational = false;
                return false;
            }
            return body != null;
        }
        return false;
    }

    /** The reply is whole: the connection goes back first, so the caller's next call can take it. */
    private void finish(Channel ch) {
        pool.release(ch, keepAlive && sent);
        result.complete(new EngineClient.Reply(status, length == body.length ? body : Arrays.copyOf(body, length)));
    }

    private void fail(Channel ch, IOException cause) {
        Handler handler = ch.pipeline().get(Handler.class);
        if (handler != null && handler.current == this) {
            handler.current = null;
        }
        result.completeExceptionally(cause);
        ch.close();
    }

    /**
     * The last handler of a pooled connection: hands the reply's parts to the exchange in progress. Anything arriving
     * between exchanges, or {@link NodePool#IDLE_SECONDS} of silence while idle, ends the connection.
     */
    static final class Handler extends ChannelInboundHandlerAdapter {
        private Exchange current;
        private int served;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Exchange e = current;
                if (e == null) {
                    ctx.close();
                } else if (e.read(ctx.channel(), msg)) {
                    current = null;
                    served++;
                    e.finish(ctx.channel());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange e = current;
            if (e != null) {
                e.fail(ctx.channel(), new Closed("connection closed before the answer", e.stale(), false));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && current == null) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Exchange e = current;
            if (e != null && cause instanceof IOException && e.stale()) { // a reset of a kept connection
                e.fail(ctx.channel(), new Closed(describe(cause), true, false));
            } else if (e != null) {
                e.fail(ctx.channel(), cause instanceof IOException io ? io : new IOException(describe(cause), cause));
            } else {
                ctx.close();
            }
        }

        private static String describe(Throwable t) {
            return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        }
    }
}
