package dev.shoal.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.HostPort;
import dev.shoal.node.report.Heartbeat;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;

/**
 * One simulated node's heartbeats, as its agent sends them ({@code EngineReporter} + {@code HttpReportSink}): a
 * {@code POST /shoal/v1/heartbeat} with the {@link Heartbeat} JSON over a kept-alive HTTPS connection presenting the
 * node's certificate (the manager's verified against the CA, hostname checked); the engine facts re-read at most
 * every 10 s; the next beat an interval after the reply (the reply's {@code heartbeatMillis}); 3 s to answer.
 * Everything runs on the link's event loop.
 */
final class HeartbeatLink {
    private static final long ENGINE_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long REPLY_TIMEOUT_MILLIS = 3_000;
    private static final String PATH = "/shoal/v1/heartbeat";

    private final SimulatedNode node;
    private final HostPort manager;
    private final SslContext tls;
    private final EventLoop loop;
    private final HeartbeatStats stats;
    private Channel channel;
    private JsonNode engineInfo;
    private long engineReadAt;
    private long sentAt;
    private long intervalMillis = 2_000;
    private ScheduledFuture<?> timeout;
    private volatile boolean stopped;

    HeartbeatLink(SimulatedNode node, HostPort manager, SslContext tls, EventLoop loop, HeartbeatStats stats) {
        this.node = node;
        this.manager = manager;
        this.tls = tls;
        this.loop = loop;
        this.stats = stats;
    }

    /** Beats after {@code delayMillis} and then every interval, until {@link #stop}. */
    void start(long delayMillis) {
        loop.schedule(this::beat, delayMillis, TimeUnit.MILLISECONDS);
    }

    void stop() {
        stopped = true;
        loop.execute(() -> {
            if (channel != null) {
                channel.close();
            }
        });
    }

    private void beat() {
        if (stopped) {
            return;
        }
        if (channel != null && channel.isActive()) {
            send(channel);
            return;
        }
        new Bootstrap().group(loop).channel(dev.shoal.node.net.Transport.tcpChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel c) {
                        SslHandler ssl = tls.newHandler(c.alloc(), manager.host(), manager.port());
                        SSLParameters params = ssl.engine().getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        ssl.engine().setSSLParameters(params);
                        c.pipeline().addLast(ssl, new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new ReplyHandler());
                    }
                })
                .connect(manager.host(), manager.port())
                .addListener(f -> {
                    if (f.isSuccess()) {
                        channel = ((io.netty.channel.ChannelFuture) f).channel();
                        send(channel);
                    } else {
                        finished(false, "connect: " + f.cause());
                    }
                });
    }

    private void send(Channel c) {
        byte[] body;
        try {
            body = EngineFacts.JSON.writeValueAsBytes(heartbeat());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, PATH,
                Unpooled.wrappedBuffer(body));
        req.headers().set(HttpHeaderNames.HOST, manager.toString())
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.USER_AGENT, "Java-http-client/" + Runtime.version().feature());
        HttpUtil.setContentLength(req, body.length);
        sentAt = System.nanoTime();
        timeout = loop.schedule(() -> finished(false, "no answer within 3 s"), REPLY_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
        c.writeAndFlush(req).addListener(f -> {
            if (!f.isSuccess()) {
                finished(false, "send: " + f.cause());
            }
        });
    }

    private Heartbeat heartbeat() {
        long now = System.nanoTime();
        if (engineInfo == null || now - engineReadAt >= ENGINE_MAX_AGE_NANOS) {
            engineInfo = node.engine().info();
            engineReadAt = now;
        }
        return new Heartbeat(node.id(), node.name(), node.advertised().toString(), node.labels(), engineInfo,
                node.engine().version(), null);
    }

    /** Ends the beat in flight (once) and schedules the next an interval later. */
    private void finished(boolean ok, String why) {
        if (sentAt == 0 && ok) {
            return;
        }
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        if (ok) {
            stats.answered(System.nanoTime() - sentAt);
        } else {
            stats.failed(why);
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
        sentAt = 0;
        if (!stopped) {
            loop.schedule(this::beat, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    private final class ReplyHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            if (sentAt == 0) {
                return; // the beat timed out already
            }
            String text = res.content().toString(StandardCharsets.UTF_8);
            if (res.status().code() == 200) {
                try {
                    long asked = EngineFacts.JSON.readTree(text).path("heartbeatMillis").asLong(0);
                    if (asked > 0) {
                        intervalMillis = Math.max(50, Math.min(60_000, asked));
                    }
                } catch (IOException ignored) {
                    // keep the interval
                }
                finished(true, null);
            } else {
                finished(false, "HTTP " + res.status().code() + ": " + text);
            }
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            if (sentAt != 0 && ctx.channel() == channel) {
                finished(false, "connection closed");
            } else if (ctx.channel() == channel) {
                channel = null;
            }
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
