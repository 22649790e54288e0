package dev.shoal.manager.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.Closeable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A chunked response written by a manager thread (merged events, load progress). {@link #write} blocks while
 * the client is slow to read, so producers feel back-pressure instead of filling memory.
 */
public final class ResponseStream implements Closeable {
    private final Channel channel;
    private final Exchange exchange;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writable = lock.newCondition();
    private boolean closed;

    ResponseStream(Channel channel, Exchange exchange) {
        this.channel = channel;
        this.exchange = exchange;
    }

    /** Writes and flushes one chunk; returns false once the client has gone. */
    public boolean write(byte[] bytes) {
        lock.lock();
        try {
            while (!channel.isWritable() && channel.isActive() && !exchange.clientGone()) {
                writable.await(200, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        if (!channel.isActive() || exchange.clientGone()) {
            return false;
        }
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
        return true;
    }

    void writabilityChanged() {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (channel.isActive()) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        exchange.complete();
    }
}
