package dev.shoal.node.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Copies what one channel reads to its peer. Until {@link #join} the bytes wait here. What one wake-up reads (several
 * socket reads) is written as it comes and flushed together; reading stops while the peer's connection is full and
 * the peer's pipe turns it on again once that drains (back-pressure both ways). When this side's
 * input ends, the peer's output is shut down and the other direction keeps flowing (over TLS too, with a bare FIN:
 * OpenSSL ends both directions on close_notify, so neither the manager nor this proxy sends one to half-close);
 * when either side closes, so does the other, after what was already read has been written.
 */
final class Pipe extends ChannelInboundHandlerAdapter {
    /** Decides whether one more read may add to what waits for the peer, beyond its own water mark. */
    interface ReadAhead {
        /** True if {@code peer} may take more now; false stops reading until {@link #RECHECK_MILLIS} later. */
        boolean mayGrow(Channel peer);
    }

    static final long RECHECK_MILLIS = 5;
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    private final ReadAhead readAhead;
    private Channel self;
    private Channel peer;
    private boolean inputEnded;
    private boolean closedEarly;

    /** A pipe bounded by its peer's water mark alone. */
    Pipe() {
        this(peer -> true);
    }

    Pipe(ReadAhead readAhead) {
        this.readAhead = readAhead;
    }

    /** Starts relaying {@code self}'s input to {@code peer} (on the event loop both share). */
    void join(Channel self, Channel peer) {
        this.self = self;
        this.peer = peer;
        for (Object msg; (msg = early.poll()) != null; ) {
            peer.write(msg);
        }
        peer.flush();
        if (closedEarly) {
            closePeer();
        } else if (inputEnded) {
            shutdownPeerOutput();
        } else {
            self.config().setAutoRead(peer.isWritable());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (peer == null) {
            early.add(msg);
            return;
        }
        peer.write(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (peer == null) {
            return;
        }
        peer.flush();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        } else if (!readAhead.mayGrow(peer)) {
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> resumeWhenAllowed(ctx), RECHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Reading stopped for the shared read-ahead budget: resumes once the peer may grow again (or is closed). */
    private void resumeWhenAllowed(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive() || ctx.channel().config().isAutoRead() || !peer.isWritable()) {
            return; // closed, resumed already, or the peer's own water mark took over (it resumes on writability)
        }
        if (readAhead.mayGrow(peer)) {
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.executor().schedule(() -> resumeWhenAllowed(ctx), RECHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Our own connection drained: the peer may be read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (peer != null && ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (peer != null) {
                shutdownPeerOutput();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void shutdownPeerOutput() {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!(peer instanceof DuplexChannel duplex) || !peer.isActive()) {
                peer.close();
                return;
            }
            duplex.shutdownOutput();
            if (self instanceof DuplexChannel d && d.isOutputShutdown()) {
                self.close(); // both directions have ended
                peer.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer == null) {
            closedEarly = true;
            return;
        }
        closePeer();
    }

    private void closePeer() {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object msg; (msg = early.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
