package dev.shoal.node.report;

import java.io.IOException;

/**
 * Where heartbeats go: over HTTP to the manager from an agent, or straight into the manager for a bare
 * engine it drives itself. Throws {@link ManagerRejectedException} when the manager refuses the node,
 * any other {@link IOException} when it cannot be reached.
 */
@FunctionalInterface
public interface ReportSink {
    HeartbeatReply send(Heartbeat hb) throws IOException;
}
