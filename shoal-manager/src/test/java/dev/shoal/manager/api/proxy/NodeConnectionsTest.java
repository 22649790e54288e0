package dev.shoal.manager.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.Test;

/** The pool of kept-alive node connections: what goes back comes out again, unless the node ended it. */
class NodeConnectionsTest {
    private final NodeConnections pool = new NodeConnections();

    private static EmbeddedChannel afterAnExchange() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("backend", new ChannelInboundHandlerAdapter());
        return ch;
    }

    @Test void aConnectionGivenBackIsTakenForTheNextCallToTheSameNode() {
        EmbeddedChannel ch = afterAnExchange();
        pool.give("10.0.0.1:4243", ch);

        assertThat(pool.take(ch.eventLoop(), "10.0.0.2:4243", 60_000)).as("another node").isNull();
        assertThat(pool.take(ch.eventLoop(), "10.0.0.1:4243", 60_000)).isSameAs(ch);
        assertThat(pool.take(ch.eventLoop(), "10.0.0.1:4243", 60_000)).as("taken once").isNull();
        assertThat(ch.pipeline().get("idle")).as("the pool's handler is gone again").isNull();
    }

    @Test void aConnectionTheNodeClosedOrEndedIsNeverTaken() {
        EmbeddedChannel closed = afterAnExchange();
        pool.give("n:1", closed);
        closed.close();
        assertThat(pool.take(closed.eventLoop(), "n:1", 60_000)).isNull();

        EmbeddedChannel ended = afterAnExchange();
        pool.give("n:1", ended);
        ended.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(ended.isOpen()).isFalse();
        assertThat(pool.take(ended.eventLoop(), "n:1", 60_000)).isNull();
    }

    @Test void bytesArrivingOnAnIdleConnectionEndIt() {
        EmbeddedChannel ch = afterAnExchange();
        pool.give("n:1", ch);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'x'}));
        assertThat(ch.isOpen()).isFalse();
        assertThat(pool.take(ch.eventLoop(), "n:1", 60_000)).isNull();
    }

    @Test void aConnectionIdleLongerThanTheCallerAcceptsStaysInThePool() {
        EmbeddedChannel ch = afterAnExchange();
        pool.give("n:1", ch);
        assertThat(pool.take(ch.eventLoop(), "n:1", -1)).as("any idle time is too long for this caller").isNull();
        assertThat(pool.take(ch.eventLoop(), "n:1", 60_000)).isSameAs(ch);
    }
}
