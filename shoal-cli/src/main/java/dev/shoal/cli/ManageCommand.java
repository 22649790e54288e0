package dev.shoal.cli;

import dev.shoal.manager.Manager;
import dev.shoal.manager.ManagerConfig;
import dev.shoal.manager.scheduler.Placer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Run a manager: serve the Docker API for the whole cluster.")
final class ManageCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-H", "--host"}, paramLabel = "ADDR",
            description = "Where to serve the Docker API: unix:///path or tcp://HOST:PORT (repeatable). "
                    + "Default: unix:///var/run/shoal.sock")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--insecure-tcp", description = "Serve tcp:// hosts without TLS (only on trusted networks).")
    boolean insecureTcp;

    @Option(names = "--tlscert", paramLabel = "FILE", description = "Server certificate (PEM) for tcp:// hosts.")
    Path tlsCert;

    @Option(names = "--tlskey", paramLabel = "FILE", description = "Server key (PEM) for tcp:// hosts.")
    Path tlsKey;

    @Option(names = "--tlscacert", paramLabel = "FILE", description = "CA (PEM) that client certificates must chain to.")
    Path tlsCaCert;

    @Option(names = "--tlsverify", description = "Require a client certificate signed by --tlscacert.")
    boolean tlsVerify;

    @Option(names = "--cluster-listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:4245",
            description = "Where nodes send heartbeats (default: ${DEFAULT-VALUE}).")
    String clusterListen;

    @Option(names = "--raft-port", defaultValue = "4246", description = "Raft peer port (default: ${DEFAULT-VALUE}).")
    int raftPort;

    @Option(names = "--data-dir", defaultValue = "/var/lib/shoal/manager",
            description = "Cluster state directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--insecure-cluster",
            description = "Plain HTTP and TCP between manager and nodes, no cluster CA (debugging only).")
    boolean insecureCluster;

    enum StrategyName { spread, binpack, random }

    enum Unschedulable { queue, fail }

    @Option(names = "--strategy", defaultValue = "spread",
            description = "Placement strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    StrategyName strategy;

    @Option(names = "--unschedulable", defaultValue = "queue",
            description = "A create that fits no node: queue (the container waits as Pending) or fail (refused at "
                    + "once, nothing left behind, as classic Swarm did). Default: ${DEFAULT-VALUE}.")
    Unschedulable unschedulable;

    @Option(names = "--cpu-shares-as-cores",
            description = "Read --cpu-shares N as N cores to reserve when --cpus is not given (classic Swarm's reading).")
    boolean cpuSharesAsCores;

    @Option(names = "--cert-validity", paramLabel = "DURATION", defaultValue = "8760h",
            description = "How long the cluster certificates issued (nodes' and the manager's) last, e.g. 90s, 30m, "
                    + "720h, 365d; each is renewed when a third of it is left (default: ${DEFAULT-VALUE}, a year).")
    String certValidity;

    private java.time.Duration validity() {
        try {
            java.time.Duration d = parseDuration(certValidity);
            if (d.compareTo(java.time.Duration.ofSeconds(1)) < 0
                    || d.compareTo(dev.shoal.manager.ca.CertificateAuthority.CA_VALIDITY) > 0) {
                throw new IllegalArgumentException("want between 1s and "
                        + dev.shoal.manager.ca.CertificateAuthority.CA_VALIDITY.toDays() + "d, got " + certValidity);
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cert-validity: " + e.getMessage());
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 12h}, {@code 365d}, or ISO-8601 ({@code PT90S}). */
    static java.time.Duration parseDuration(String text) {
        String t = text.strip();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "s" -> java.time.Duration.ofSeconds(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofDays(n);
            };
        }
        try {
            return java.time.Duration.parse(t);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("bad duration \"" + text + "\": want e.g. 90s, 30m, 12h, 365d");
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Path> unix = new ArrayList<>();
        List<InetSocketAddress> tcp = new ArrayList<>();
        if (hosts.isEmpty()) {
            hosts.add("unix:///var/run/shoal.sock");
        }
        for (String h : hosts) {
            if (h.startsWith("unix://")) {
                unix.add(Path.of(h.substring("unix://".length())));
            } else if (h.startsWith("tcp://")) {
                URI u = URI.create(h);
                if (u.getHost() == null || u.getPort() < 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "bad --host " + h + ": want tcp://HOST:PORT");
                }
                tcp.add(new InetSocketAddress(u.getHost(), u.getPort()));
            } else {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "bad --host " + h + ": want unix:///path or tcp://HOST:PORT");
            }
        }
        dev.shoal.manager.api.ApiTls tls = null;
        if (!tcp.isEmpty() && !insecureTcp) {
            if (tlsCert == null || tlsKey == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "a tcp:// host needs TLS: give --tlscert and "
                        + "--tlskey (and --tlsverify --tlscacert to require client certificates), or --insecure-tcp "
                        + "to serve plain TCP on a trusted network");
            }
            try {
                tls = new dev.shoal.manager.api.ApiTls(tlsCert, tlsKey, tlsCaCert, tlsVerify);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        int colon = clusterListen.lastIndexOf(':');
        if (colon < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bad --cluster-listen: want HOST:PORT");
        }
        InetSocketAddress cluster = new InetSocketAddress(clusterListen.substring(0, colon),
                Integer.parseInt(clusterListen.substring(colon + 1)));
        ManagerConfig config = new ManagerConfig(unix, tcp, tls, cluster, dataDir, raftPort, strategy.name(),
                insecureCluster, unschedulable == Unschedulable.fail ? Placer.WhenUnschedulable.FAIL
                        : Placer.WhenUnschedulable.QUEUE, cpuSharesAsCores, validity());
        Manager manager = Manager.start(config);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                manager.close();
            } catch (Exception ignored) {
                // exiting anyway
            } finally {
                stop.countDown();
            }
        }));
        stop.await();
        return 0;
    }
}
