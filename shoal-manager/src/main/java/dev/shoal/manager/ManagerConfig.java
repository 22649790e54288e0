package dev.shoal.manager;

import dev.shoal.manager.scheduler.Placer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * How a manager runs.
 *
 * @param unixSockets  paths of unix sockets serving the Docker API
 * @param tcpAddresses TCP addresses serving the Docker API
 * @param tls          TLS for the TCP addresses; null serves plain TCP (only with --insecure-tcp)
 * @param clusterListen where agents send heartbeats
 * @param dataDir      where the Raft log and snapshots live
 * @param raftPort     the Raft peer port (on loopback while the manager is alone)
 * @param insecureCluster plain HTTP and TCP between manager and nodes, no CA (debugging only)
 * @param strategy     spread, binpack or random
 * @param whenUnschedulable queue (pending) or fail a create that fits no node
 * @param cpuSharesAsCores classic Swarm's reading of {@code --cpu-shares N} as N cores reserved
 * @param certValidity how long the cluster certificates issued (nodes' and the manager's) last; null for a year
 */
public record ManagerConfig(List<Path> unixSockets, List<InetSocketAddress> tcpAddresses,
                            dev.shoal.manager.api.ApiTls tls, InetSocketAddress clusterListen, Path dataDir,
                            int raftPort, String strategy, boolean insecureCluster,
                            Placer.WhenUnschedulable whenUnschedulable, boolean cpuSharesAsCores,
                            java.time.Duration certValidity) {
    public ManagerConfig {
        certValidity = certValidity == null ? dev.shoal.manager.ca.CertificateAuthority.LEAF_VALIDITY : certValidity;
        unixSockets = List.copyOf(unixSockets);
        tcpAddresses = List.copyOf(tcpAddresses);
        Placer.strategy(strategy); // fails early on an unknown name
        whenUnschedulable = whenUnschedulable == null ? Placer.WhenUnschedulable.QUEUE : whenUnschedulable;
    }

    /** Certificates valid for a year. */
    public ManagerConfig(List<Path> unixSockets, List<InetSocketAddress> tcpAddresses, dev.shoal.manager.api.ApiTls tls,
                         InetSocketAddress clusterListen, Path dataDir, int raftPort, String strategy,
                         boolean insecureCluster, Placer.WhenUnschedulable whenUnschedulable,
                         boolean cpuSharesAsCores) {
        this(unixSockets, tcpAddresses, tls, clusterListen, dataDir, raftPort, strategy, insecureCluster,
                whenUnschedulable, cpuSharesAsCores, null);
    }

    /** The same with another certificate validity. */
    public ManagerConfig withCertValidity(java.time.Duration validity) {
        return new ManagerConfig(unixSockets, tcpAddresses, tls, clusterListen, dataDir, raftPort, strategy,
                insecureCluster, whenUnschedulable, cpuSharesAsCores, validity);
    }

    /** Pending queue, no classic CPU-shares reading. */
    public ManagerConfig(List<Path> unixSockets, List<InetSocketAddress> tcpAddresses, dev.shoal.manager.api.ApiTls tls,
                         InetSocketAddress clusterListen, Path dataDir, int raftPort, String strategy,
                         boolean insecureCluster) {
        this(unixSockets, tcpAddresses, tls, clusterListen, dataDir, raftPort, strategy, insecureCluster,
                Placer.WhenUnschedulable.QUEUE, false, null);
    }
}
