package dev.shoal.manager;

import dev.shoal.manager.api.ApiRoutes;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.api.ApiServer;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.loops.ClusterLoops;
import dev.shoal.manager.networks.ClusterNetworks;
import dev.shoal.manager.scheduler.Placer;
import dev.shoal.manager.orchestrator.NetworkSync;
import dev.shoal.manager.orchestrator.Reconciler;
import dev.shoal.manager.scheduler.PendingQueue;
import dev.shoal.manager.api.proxy.EngineProxy;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.views.ContainerViews;
import dev.shoal.node.tls.ClusterTls;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** A running manager: state, node sessions and the Docker API, wired together. */
public final class Manager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Manager.class);

    private final ClusterStore store;
    private final Dispatcher dispatcher;
    private final ApiServer api;
    private final ClusterLoops loops;
    private final FanOut fanOut;
    private final ClusterSecurity security;

    private Manager(ClusterStore store, Dispatcher dispatcher, ApiServer api, ClusterLoops loops, FanOut fanOut,
                    ClusterSecurity security) {
        this.security = security;
        this.store = store;
        this.dispatcher = dispatcher;
        this.api = api;
        this.loops = loops;
        this.fanOut = fanOut;
    }

    public static Manager start(ManagerConfig config) throws IOException {
        // a manager alone is a Raft group of one: its peer port serves no one else, so it listens on loopback only
        // (several managers will need it on the cluster address, over mutual TLS)
        String raftHost = "127.0.0.1";
        ClusterStore store = ClusterStore.open(config.dataDir(), raftHost, config.raftPort());
        dev.shoal.manager.api.RequestBody.spillTo(config.dataDir().resolve("spill"));
        ClusterSecurity security = null;
        if (config.insecureCluster()) {
            log.warn("--insecure-cluster: nodes report and serve their engines without TLS; anyone who reaches a "
                    + "node's port controls its engine");
        } else {
            security = ClusterSecurity.loadOrCreate(config.dataDir(), config.clusterListen(), config.certValidity());
        }
        Dispatcher dispatcher = new Dispatcher(store, security);
        ContainerIndex containers = new ContainerIndex(store);
        var loops = ApiServer.newEventLoops();
        // a node dialled must show the certificate of the node registered at that address
        var nodeTrust = security == null ? null
                : new dev.shoal.manager.ca.NodePeerTrust(security.manager().trustOnlyCa(), dispatcher::nodeIdAt);
        EngineClient engines = new EngineClient(loops, ApiServer.clientChannelType(),
                security == null ? null : engineTls(security.manager(), nodeTrust));
        engines.giveUpWhen(dispatcher::beating);
        EngineProxy proxy = new EngineProxy(loops, security == null ? null
                : nettyClientContext(security.manager(), nodeTrust));
        proxy.giveUpWhen(dispatcher::beating);
        // domain services, built once here; the API reaches them through Cluster, nothing below reaches up
        FanOut fanOut = new FanOut(engines);
        Placer placer = new Placer(store, containers, dispatcher, fanOut, config.strategy(),
                config.whenUnschedulable(), config.cpuSharesAsCores());
        ClusterNetworks networks = new ClusterNetworks(store, engines);
        ContainerViews views = new ContainerViews(dispatcher, engines);
        // an image event on a node (a tag made on its engine directly, too) makes its image index entry stale
        views.listen(new ContainerViews.Listener() {
            @Override
            public void imagesChanged(dev.shoal.manager.dispatcher.NodeStatus node) {
                placer.images().forget(node.id());
            }
        });
        Cluster cluster = new Cluster(store, dispatcher, containers, engines, fanOut, proxy, placer, networks, views);
        ApiServer server = new ApiServer(loops, new ApiRoutes(cluster));
        ClusterLoops clusterLoops = new ClusterLoops(List.of(
                new dev.shoal.manager.dispatcher.NodeHealthMonitor(store, dispatcher),
                views,
                new Reconciler(store, containers, dispatcher, engines, views),
                new PendingQueue(placer, store),
                new NetworkSync(store, dispatcher, engines, networks),
                new dev.shoal.manager.views.ObservedStates(store, containers, views),
                new dev.shoal.manager.orchestrator.Rescheduler(store, containers)));
        dispatcher.listen(config.clusterListen());
        if (security != null) {
            // a renewed manager certificate is presented on new connections: cluster port, calls and relays to nodes
            ClusterSecurity renewing = security;
            security.onManagerRenewed(tls -> {
                dispatcher.useTls(tls);
                try {
                    engines.useTls(engineTls(tls, nodeTrust));
                    proxy.useTls(nettyClientContext(tls, nodeTrust));
                } catch (SSLException e) {
                    throw new IllegalStateException("cannot build the TLS context for calls to nodes: " + e.getMessage(), e);
                }
            });
            renewing.startRenewing();
        }
        for (Path socket : config.unixSockets()) {
            server.listenUnix(socket);
        }
        for (InetSocketAddress tcp : config.tcpAddresses()) {
            server.listenTcp(tcp, config.tls() == null ? null : config.tls().context());
        }
        clusterLoops.start();
        log.info("manager serving the Docker API on {}; nodes report to {}", server.addresses(),
                config.clusterListen());
        return new Manager(store, dispatcher, server, clusterLoops, fanOut, security);
    }

    /** The manager's certificate for the engine client's two transports, trusting what {@code trust} says of nodes. */
    private static EngineClient.Tls engineTls(ClusterTls tls, javax.net.ssl.TrustManager trust) throws SSLException {
        return new EngineClient.Tls(tls.sslContext(trust), nettyClientContext(tls, trust));
    }

    /** The manager's certificate as a Netty client context that trusts what {@code trust} says of nodes. */
    private static SslContext nettyClientContext(ClusterTls tls, javax.net.ssl.TrustManager trust)
            throws SSLException {
        return SslContextBuilder.forClient()
                .keyManager(tls.key(), tls.cert(), tls.ca())
                .trustManager(trust)
                .protocols(ClusterTls.PROTOCOL)
                .build();
    }

    public ApiServer api() {
        return api;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public ClusterStore store() {
        return store;
    }

    /** The cluster CA and the manager's certificate; null with --insecure-cluster. */
    public ClusterSecurity security() {
        return security;
    }

    @Override
    public void close() throws IOException {
        if (security != null) {
            security.close();
        }
        loops.close();
        fanOut.close();
        api.close();
        dispatcher.close();
        store.close();
    }
}
