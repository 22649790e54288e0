package dev.shoal.manager.api.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Kept-alive connections to nodes' engines, so that a proxied call does not pay a TCP and TLS handshake each time.
 * A connection belongs to one event loop (the one of the client whose call it carried) and is only ever touched
 * there, so each loop's connections need no lock. An idle connection keeps a read pending: if the node closes it,
 * it leaves the pool at once; one unused for {@link #IDLE_SECONDS} is closed.
 */
final class NodeConnections {
    static final int IDLE_SECONDS = 30;
    private static final int MAX_IDLE_PER_NODE = 8;

    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();

    /**
     * An idle connection to {@code address} on {@code loop} that has been idle at most {@code maxIdleMillis}, or null;
     * call on {@code loop}. The most recently used comes first.
     */
    Channel take(EventLoop loop, String address, long maxIdleMillis) {
        ArrayDeque<Channel> free = idle(loop, address);
        Channel ch = free.peekFirst();
        if (ch == null) {
            return null;
        }
        Idle handler = ch.pipeline().get(Idle.class);
        if (!ch.isActive() || handler == null) {
            free.pollFirst();
            ch.close();
            return take(loop, address, maxIdleMillis);
        }
        if (System.nanoTime() - handler.since > maxIdleMillis * 1_000_000L) {
            return null;
        }
        free.pollFirst();
        ch.pipeline().remove(handler);
        return ch;
    }

    /** Puts back a connection whose last exchange ended cleanly; call on its loop. Its handler named "backend" goes. */
    void give(String address, Channel ch) {
        ArrayDeque<Channel> free = idle(ch.eventLoop(), address);
        if (!ch.isActive() || free.size() >= MAX_IDLE_PER_NODE) {
            ch.close();
            return;
        }
        Idle handler = new Idle(free);
        ch.pipeline().replace("backend", "idle", handler);
        free.addFirst(ch);
        ch.read(); // notice the node closing it
        ch.eventLoop().schedule(() -> {
            if (ch.pipeline().get(Idle.class) == handler) {
                free.remove(ch);
                ch.close();
            }
        }, IDLE_SECONDS, TimeUnit.SECONDS);
    }

    private ArrayDeque<Channel> idle(EventLoop loop, String address) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(address, a -> new ArrayDeque<>());
    }

    /** Handler of a connection in the pool: anything but silence ends it. */
    private static final class Idle extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Channel> free;
        private final long since = System.nanoTime();

        Idle(ArrayDeque<Channel> free) {
            this.free = free;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            free.remove(ctx.channel());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            free.remove(ctx.channel());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                free.remove(ctx.channel());
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            free.remove(ctx.channel());
            ctx.close();
        }
    }
}
