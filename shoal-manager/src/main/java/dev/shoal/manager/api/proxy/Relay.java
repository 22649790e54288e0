package dev.shoal.manager.api.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslHandler;

/**
 * Copies raw bytes from this channel to its peer. Reading pauses while the peer cannot take more (back-pressure);
 * when this side ends its output the peer's output is shut down too, and both close once both sides are done.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final boolean closeNotify;
    private boolean inputDone;

    /**
     * @param closeNotify whether a TLS peer's output ends with close_notify before the FIN (towards a Docker client);
     *                    towards a node only the FIN, as close_notify would end both directions of the node's
     *                    OpenSSL connection
     */
    Relay(Channel peer, boolean closeNotify) {
        this.peer = peer;
        this.closeNotify = closeNotify;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof io.netty.handler.codec.http.HttpContent content) {
            // the codec's end-of-response marker, decoded just before the switch to raw bytes
            ByteBuf data = content.content().retain();
            content.release();
            msg = data;
        }
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
            peer.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputDone = true;
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (peer instanceof DuplexChannel duplex && peer.isActive()) {
                    shutdownOutput(duplex, closeNotify);
                } else {
                    peer.close();
                }
                if (ctx.channel() instanceof DuplexChannel self && self.isOutputShutdown()) {
                    ctx.close();
                    peer.close();
                }
            });
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Ends the peer's output; over TLS to a client, close_notify first (TLS 1.3 keeps the other direction open). */
    private static void shutdownOutput(DuplexChannel peer, boolean closeNotify) {
        SslHandler tls = peer.pipeline().get(SslHandler.class);
        if (tls == null || !closeNotify) {
            peer.shutdownOutput();
            return;
        }
        tls.closeOutbound().addListener(f -> peer.shutdownOutput());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    boolean inputDone() {
        return inputDone;
    }
}
