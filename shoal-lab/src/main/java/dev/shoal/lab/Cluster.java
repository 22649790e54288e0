package dev.shoal.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.lab.LabLayout.HostLayout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** The Shoal manager (root namespace) and one agent per host (in the host's network namespace). */
final class Cluster {
    static final List<String> JVM_OPTS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");
    /**
     * The JVM options {@code ./shoal join} runs an agent with (the launcher script holds the same list, CommandsTest
     * checks they agree): a small serial-collected heap that gives memory back, a direct-memory cap above the relay's
     * read-ahead budget (Netty's pool counts against it; unset it would be the heap's size), and freed native memory
     * returned to the system every few seconds. See docs/performance.md, "Memory".
     */
    static final List<String> AGENT_JVM_OPTS = RoleJvmOptions.AGENT;
    /** The JVM options of {@code ./shoal manage}, likewise. */
    static final List<String> MANAGER_JVM_OPTS = RoleJvmOptions.MANAGER;
    static final String MANAGER_MARKER = "manage";
    static final String AGENT_MARKER = "join";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The manager creates its CA and this token on first start; agents join with it. */
    static final Path JOIN_TOKEN = LabLayout.MANAGER_DATA.resolve("ca").resolve("join-token");
    private static final Duration TOKEN_WAIT = Duration.ofSeconds(60);

    private Cluster() {}

    /**
     * How to run this same program: the running java and the shaded jar this class was loaded from, plus the extra
     * JVM options of {@code SHOAL_JVM_OPTS} (split at white space, as ./shoal does), placed after the lab's own so
     * they win (e.g. {@code -XX:NativeMemoryTracking=summary} to see where an agent's memory goes).
     */
    record Launcher(String java, Path jar, List<String> extraJvmOptions) {
        Launcher(String java, Path jar) {
            this(java, jar, List.of());
        }

        Launcher {
            extraJvmOptions = List.copyOf(extraJvmOptions);
        }

        static Launcher current() {
            String java = ProcessHandle.current().info().command()
                    .orElseThrow(() -> new Sh.Failed("cannot tell which java runs this JVM"));
            Path jar;
            try {
                jar = Path.of(Cluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (Exception e) {
                throw new Sh.Failed("cannot find the jar Shoal runs from: " + e.getMessage());
            }
            if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
                throw new Sh.Failed("the lab starts the manager and agents from the shaded shoal.jar, but Shoal "
                        + "runs from " + jar + "; use ./shoal (or --no-manager)");
            }
            return new Launcher(java, jar, splitOptions(System.getenv("SHOAL_JVM_OPTS")));
        }

        static List<String> splitOptions(String text) {
            return text == null || text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
        }

        List<String> shoal(List<String> args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(JVM_OPTS);
            cmd.addAll(roleJvmOptions(args.isEmpty() ? "" : args.getFirst()));
            cmd.addAll(extraJvmOptions);
            cmd.addAll(List.of("-jar", jar.toString()));
            cmd.addAll(args);
            return cmd;
        }
    }

    /** The JVM options for running {@code shoal COMMAND}: the agent's, the manager's, or none. */
    static List<String> roleJvmOptions(String command) {
        return roleJvmOptions(command, Runtime.version().feature());
    }

    /** As run by a JDK of this feature release: -XX:TrimNativeHeapInterval is a product option from JDK 22. */
    static List<String> roleJvmOptions(String command, int jdk) {
        List<String> options = switch (command) {
            case AGENT_MARKER -> AGENT_JVM_OPTS;
            case MANAGER_MARKER -> MANAGER_JVM_OPTS;
            default -> List.of();
        };
        return jdk >= 22 ? options : options.stream().filter(o -> !o.startsWith("-XX:TrimNativeHeapInterval=")).toList();
    }

    static List<String> managerArgs() {
        return managerArgs(managerOptions());
    }

    static List<String> managerArgs(List<String> options) {
        List<String> args = new ArrayList<>(List.of(MANAGER_MARKER, "--host", LabLayout.managerDockerHost(),
                "--cluster-listen", LabLayout.clusterListen(), "--raft-port", Integer.toString(LabLayout.RAFT_PORT),
                "--data-dir", LabLayout.MANAGER_DATA.toString()));
        args.addAll(options);
        return args;
    }

    /** The extra manager options this lab keeps (none if never set). */
    static List<String> managerOptions() {
        try {
            return Files.isRegularFile(LabLayout.MANAGER_OPTIONS)
                    ? Files.readAllLines(LabLayout.MANAGER_OPTIONS).stream().filter(l -> !l.isBlank()).toList()
                    : List.of();
        } catch (java.io.IOException e) {
            throw new Sh.Failed("cannot read " + LabLayout.MANAGER_OPTIONS + ": " + e.getMessage());
        }
    }

    /** Keeps these manager options for every later start of the lab's manager. */
    static void setManagerOptions(List<String> options) {
        try {
            Files.createDirectories(LabLayout.MANAGER_OPTIONS.getParent());
            Files.write(LabLayout.MANAGER_OPTIONS, options);
        } catch (java.io.IOException e) {
            throw new Sh.Failed("cannot write " + LabLayout.MANAGER_OPTIONS + ": " + e.getMessage());
        }
    }

    static List<String> agentArgs(HostLayout h) {
        return List.of(AGENT_MARKER, "--manager", LabLayout.clusterListen(), "--name", h.name(),
                "--docker", h.dockerHost(), "--advertise", h.advertise(), "--data-dir", h.agentData().toString(),
                "--token-file", JOIN_TOKEN.toString(), "--label", "zone=" + zone(h));
    }

    /** Node labels to try constraints with: odd nodes are in zone a, even ones in zone b. */
    static String zone(HostLayout h) {
        return h.index() % 2 == 1 ? "a" : "b";
    }

    /** Waits (bounded) until the manager has written the join token that agents read at start. */
    static void awaitJoinToken() {
        if (!Poll.until(TOKEN_WAIT, Duration.ofMillis(100), () -> Files.isRegularFile(JOIN_TOKEN))) {
            throw new Sh.Failed("the manager wrote no join token to " + JOIN_TOKEN + " within " + TOKEN_WAIT.toSeconds()
                    + " s; read " + LabLayout.MANAGER_LOG);
        }
    }

    static long startManager(Launcher launcher) {
        mkdirs(LabLayout.MANAGER_DATA);
        long pid = Procs.spawnDetached(launcher.shoal(managerArgs()), LabLayout.MANAGER_LOG);
        Procs.writePid(LabLayout.MANAGER_PID, pid);
        return pid;
    }

    static long startAgent(Launcher launcher, HostLayout h) {
        awaitJoinToken();
        mkdirs(h.agentData());
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + h.netnsPath()));
        cmd.addAll(launcher.shoal(agentArgs(h)));
        long pid = Procs.spawnDetached(cmd, h.agentLog());
        Procs.writePid(h.agentPid(), pid);
        return pid;
    }

    static boolean managerUp() {
        return Procs.aliveFromPidFile(LabLayout.MANAGER_PID, MANAGER_MARKER) && DockerSocket.ping(LabLayout.MANAGER_SOCKET);
    }

    static boolean agentUp(HostLayout h) {
        return Procs.aliveFromPidFile(h.agentPid(), AGENT_MARKER);
    }

    /** True once the agent accepts connections on its advertised address (the manager's way to its engine). */
    static boolean agentServing(HostLayout h) {
        String[] hp = h.advertise().split(":");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 200);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Waits until the manager's /info reports {@code count} nodes; fails naming the logs to read. */
    static void awaitNodes(int count, Duration max, List<HostLayout> hosts) {
        int[] last = {-1};
        boolean ok = Poll.until(max, Duration.ofMillis(250), () -> {
            if (!Procs.aliveFromPidFile(LabLayout.MANAGER_PID, MANAGER_MARKER)) return true;
            last[0] = nodeCount().orElse(-1);
            return last[0] == count;
        });
        if (!Procs.aliveFromPidFile(LabLayout.MANAGER_PID, MANAGER_MARKER)) {
            throw new Sh.Failed("the manager exited; read " + LabLayout.MANAGER_LOG + Engines.lastLines(LabLayout.MANAGER_LOG));
        }
        if (!ok) {
            StringBuilder why = new StringBuilder("the manager did not list " + count + " healthy nodes within "
                    + max.toSeconds() + " s (" + (last[0] < 0 ? "its /info did not answer" : "it listed " + last[0])
                    + "); read " + LabLayout.MANAGER_LOG);
            for (HostLayout h : hosts) {
                if (!agentUp(h)) why.append("\n  agent of ").append(h.name()).append(" is not running; read ").append(h.agentLog());
            }
            throw new Sh.Failed(why.toString());
        }
    }

    /** The "Nodes" pair of the manager's /info SystemStatus, if it answers. */
    static OptionalInt nodeCount() {
        return DockerSocket.get(LabLayout.MANAGER_SOCKET, "/info", Duration.ofSeconds(3))
                .filter(r -> r.status() == 200).map(r -> parseNodeCount(r.body())).orElse(OptionalInt.empty());
    }

    /** The nodes the manager lists, counted only once every one of them is Healthy (a node still joining or
     * not yet heard from after a manager restart gets no containers). */
    static OptionalInt parseNodeCount(String infoJson) {
        try {
            JsonNode status = JSON.readTree(infoJson).path("SystemStatus");
            int nodes = -1;
            int unhealthy = 0;
            for (JsonNode pair : status) {
                if (pair.size() != 2) {
                    continue;
                }
                String key = pair.get(0).asText().strip();
                if (key.equals("Nodes")) {
                    nodes = Integer.parseInt(pair.get(1).asText().strip());
                } else if (key.equals("└ Status") && !pair.get(1).asText().strip().equals("Healthy")) {
                    unhealthy++;
                }
            }
            return nodes < 0 ? OptionalInt.empty() : OptionalInt.of(nodes - unhealthy);
        } catch (Exception e) {
            // not (yet) the answer we wait for
        }
        return OptionalInt.empty();
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new Sh.Failed("cannot create " + dir + ": " + e.getMessage());
        }
    }
}
