package dev.shoal.manager.loops;

/**
 * Work that must run once per cluster, not once per manager (the pending queue, the reconciler, network sync,
 * failure detection): started and stopped only through {@link ClusterLoops}, so with several managers it runs on
 * the Raft leader alone.
 */
public interface ClusterLoop extends AutoCloseable {
    /** A short name for logs. */
    String name();

    void start();

    @Override
    void close();
}
