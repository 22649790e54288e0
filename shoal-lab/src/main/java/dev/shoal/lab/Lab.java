package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** The lab: a real N-host Shoal cluster on this machine, one network namespace and dockerd per host. */
public final class Lab {
    /** Receives one line per step of a long operation. */
    @FunctionalInterface
    public interface Progress {
        void step(String line);
    }

    /** Options of {@code lab up}. */
    /** @param managerOptions extra `shoal manage` options, e.g. --strategy binpack (kept across restarts) */
    public record UpOptions(int nodes, boolean startManager, boolean waitForNodes, Duration nodeTimeout,
                            List<String> managerOptions) {
        public UpOptions(int nodes, boolean startManager, boolean waitForNodes, Duration nodeTimeout) {
            this(nodes, startManager, waitForNodes, nodeTimeout, List.of());
        }
    }

    /** What {@code lab status} reports. */
    public record Status(Optional<LabState> state, List<HostStatus> hosts, boolean managerUp) {
        public boolean isUp() { return state.isPresent(); }

        /** Up, every engine and (when the lab has a manager) every agent and the manager running, nothing cut. */
        public boolean healthy() {
            if (state.isEmpty()) return false;
            boolean withManager = state.get().manager();
            return (!withManager || managerUp) && hosts.stream()
                    .allMatch(h -> h.engineUp() && (!withManager || h.agentUp()) && !h.cut());
        }
    }

    /** One host in {@code lab status}. */
    public record HostStatus(String name, String address, boolean engineUp, boolean agentUp, boolean cut) {}

    private final Progress progress;

    public Lab(Progress progress) {
        this.progress = progress;
    }

    /** Brings up a fresh lab (clearing whatever an earlier one left); returns the DOCKER_HOST to use. */
    public String up(UpOptions options) {
        List<HostLayout> hosts = LabLayout.hosts(options.nodes());
        Packages.requireRoot();
        Packages.ensureInstalled(progress);
        Cluster.Launcher launcher = options.startManager() ? Cluster.Launcher.current() : null; // fail before building
        if (Teardown.anythingLeft()) {
            progress.step("clearing what an earlier lab left");
            Teardown.run();
        }
        mkdirs();

        progress.step("network: bridge " + LabLayout.BRIDGE + " " + LabLayout.BRIDGE_ADDRESS + "/" + LabLayout.PREFIX_LENGTH
                + ", hosts " + hosts.getFirst().address() + ".." + hosts.getLast().address());
        Network.createBridge();
        Firewall.install();
        for (HostLayout h : hosts) Network.createHost(h);

        progress.step("engines: starting " + hosts.size() + " dockerd (logs in " + LabLayout.LOGS + ")");
        List<Long> dockerdPids = hosts.stream().map(Engines::start).toList();
        CompletableFuture<List<Images.Seed>> built = new CompletableFuture<>(); // built while the engines start
        Thread.ofVirtual().start(() -> {
            try {
                built.complete(Images.build(LabLayout.IMAGES));
            } catch (RuntimeException e) {
                built.completeExceptionally(e);
            }
        });
        parallel(hosts, h -> Engines.awaitReady(h, dockerdPids.get(h.index() - 1)));

        progress.step("images: busybox:latest, hello-world:latest on every host");
        List<Images.Seed> seeds = join(built);
        Images.load(hosts.getFirst(), seeds); // imported once: every host then has the same image IDs
        java.nio.file.Path archive = Images.save(hosts.getFirst(), seeds, LabLayout.IMAGES.resolve("seed-images.tar"));
        parallel(hosts.subList(1, hosts.size()), h -> Images.loadSaved(h, archive));

        List<LabState.Host> recorded = new ArrayList<>();
        for (HostLayout h : hosts) recorded.add(LabState.Host.of(h, dockerdPids.get(h.index() - 1), 0));
        LabState state = new LabState(hosts.size(), options.startManager(),
                options.startManager() ? LabLayout.managerDockerHost() : hosts.getFirst().dockerHost(),
                recorded, 0, Instant.now().toString());
        state.write();
        if (!options.startManager()) {
            progress.step("no manager (--no-manager); engines answer at unix://" + LabLayout.RUN + "/node<i>/docker.sock");
            return state.dockerHost();
        }

        progress.step("manager: " + LabLayout.managerDockerHost() + ", cluster " + LabLayout.clusterListen()
                + " (log " + LabLayout.MANAGER_LOG + ")");
        Cluster.setManagerOptions(options.managerOptions());
        long managerPid = Cluster.startManager(launcher);
        progress.step("agents: " + hosts.size() + " (logs " + LabLayout.LOGS + "/node<i>-agent.log)");
        recorded.clear();
        for (HostLayout h : hosts) {
            recorded.add(LabState.Host.of(h, dockerdPids.get(h.index() - 1), Cluster.startAgent(launcher, h)));
        }
        state = new LabState(state.nodes(), true, state.dockerHost(), List.copyOf(recorded), managerPid, state.createdAt());
        state.write();
        if (options.waitForNodes()) {
            progress.step("waiting for the manager to list " + hosts.size() + " nodes");
            Cluster.awaitNodes(hosts.size(), options.nodeTimeout(), hosts);
        }
        return state.dockerHost();
    }

    public Status status() {
        Optional<LabState> state = LabState.read();
        if (state.isEmpty()) return new Status(state, List.of(), false);
        List<HostStatus> hosts = state.get().layouts().stream().map(h -> new HostStatus(h.name(), h.address(),
                Engines.isUp(h), Cluster.agentUp(h), Network.isCut(h))).toList();
        return new Status(state, hosts, state.get().manager() && Cluster.managerUp());
    }

    /**
     * Kills the manager ({@code target} "manager") or a node's agent ({@code target} "node<i>") with SIGKILL, as a
     * crash would, then starts it again with the same data directory and waits until it serves.
     */
    public void restart(String target) {
        restart(target, null);
    }

    /**
     * As {@link #restart(String)}; for the manager, {@code managerOptions} (if not null) replace the extra options
     * it runs with from now on, e.g. {@code --strategy binpack}.
     */
    public void restart(String target, List<String> managerOptions) {
        Packages.requireRoot();
        LabState state = LabState.read().orElseThrow(() -> new Sh.Failed("no lab is up (no " + LabLayout.STATE_FILE + ")"));
        if (!state.manager()) {
            throw new Sh.Failed("this lab runs no manager or agents (it was started with --no-manager)");
        }
        Cluster.Launcher launcher = Cluster.Launcher.current();
        List<HostLayout> hosts = state.layouts();
        if (target.equals("manager")) {
            Procs.readPid(LabLayout.MANAGER_PID).ifPresent(Procs::kill);
            if (managerOptions != null) {
                Cluster.setManagerOptions(managerOptions);
            }
            long pid = Cluster.startManager(launcher);
            new LabState(state.nodes(), true, state.dockerHost(), state.hosts(), pid, state.createdAt()).write();
            // a node whose link is cut cannot report to the new manager: wait for the others
            List<HostLayout> reachable = hosts.stream().filter(h -> !Network.isCut(h)).toList();
            Cluster.awaitNodes(reachable.size(), Duration.ofSeconds(60), reachable);
            return;
        }
        HostLayout h = knownHost(target);
        Procs.readPid(h.agentPid()).ifPresent(Procs::kill);
        long pid = Cluster.startAgent(launcher, h);
        List<LabState.Host> updated = new ArrayList<>();
        for (LabState.Host host : state.hosts()) {
            updated.add(host.name().equals(h.name())
                    ? new LabState.Host(host.name(), host.address(), host.netns(), host.dockerHost(), host.dockerdPid(), pid)
                    : host);
        }
        new LabState(state.nodes(), true, state.dockerHost(), updated, state.managerPid(), state.createdAt()).write();
        if (!Poll.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> Cluster.agentUp(h) && Cluster.agentServing(h))) {
            throw new Sh.Failed("the agent of " + h.name() + " did not come back; read " + h.agentLog());
        }
    }

    public void cut(String node) {
        Network.cut(knownHost(node));
    }

    public void heal(String node) {
        Network.heal(knownHost(node));
    }

    /** Removes everything a lab made; fine to run twice or with no lab. */
    public void down() {
        Packages.requireRoot();
        if (!Teardown.anythingLeft()) {
            progress.step("no lab is up; nothing to do");
            return;
        }
        progress.step("stopping agents, manager and engines; removing namespaces, links, rules and files");
        Teardown.run();
    }

    private HostLayout knownHost(String node) {
        HostLayout h = HostLayout.parse(node);
        LabState state = LabState.read().orElseThrow(() -> new Sh.Failed("no lab is up (no " + LabLayout.STATE_FILE + ")"));
        if (h.index() > state.nodes()) {
            throw new Sh.Failed("the lab has nodes node1..node" + state.nodes() + ", not " + node);
        }
        return h;
    }

    private static void mkdirs() {
        try {
            Files.createDirectories(LabLayout.LOGS);
            Files.createDirectories(LabLayout.VAR);
        } catch (IOException e) {
            throw new Sh.Failed("cannot create " + LabLayout.LOGS + ": " + e.getMessage());
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    /** Runs {@code work} for every host at once and rethrows the first failure. */
    private static void parallel(List<HostLayout> hosts, Consumer<HostLayout> work) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = hosts.stream().<Future<?>>map(h -> pool.submit(() -> work.accept(h))).toList();
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new Sh.Failed(e.getCause().toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Sh.Failed("interrupted");
                }
            }
        }
    }
}
