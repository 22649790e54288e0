package dev.shoal.manager;

import dev.shoal.manager.api.ApiRoutes;
import dev.shoal.manager.api.ApiServer;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.orchestrator.Reconciler;
import dev.shoal.manager.proxy.EngineProxy;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** A running manager: state, node sessions and the Docker API, wired together. */
public final class Manager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Manager.class);

    private final ClusterStore store;
    private final Dispatcher dispatcher;
    private final ApiServer api;
    private final Reconciler reconciler;

    private Manager(ClusterStore store, Dispatcher dispatcher, ApiServer api, Reconciler reconciler) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.api = api;
        this.reconciler = reconciler;
    }

    public static Manager start(ManagerConfig config) throws IOException {
        String raftHost = config.clusterListen().getHostString();
        ClusterStore store = ClusterStore.open(config.dataDir(), raftHost, config.raftPort());
        Dispatcher dispatcher = new Dispatcher(store);
        ContainerIndex containers = new ContainerIndex(store);
        var loops = ApiServer.newEventLoops();
        Cluster cluster = new Cluster(config, store, dispatcher, containers, new EngineClient(),
                new EngineProxy(loops));
        ApiServer server = new ApiServer(loops, new ApiRoutes(cluster));
        Reconciler reconciler = new Reconciler(cluster);
        dispatcher.listen(config.clusterListen());
        for (Path socket : config.unixSockets()) {
            server.listenUnix(socket);
        }
        for (InetSocketAddress tcp : config.tcpAddresses()) {
            server.listenTcp(tcp, config.tls() == null ? null : config.tls().context());
        }
        reconciler.start();
        log.info("manager serving the Docker API on {}; nodes report to {}", server.addresses(),
                config.clusterListen());
        return new Manager(store, dispatcher, server, reconciler);
    }

    public ApiServer api() {
        return api;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public void close() throws IOException {
        reconciler.close();
        api.close();
        dispatcher.close();
        store.close();
    }
}
