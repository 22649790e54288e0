package dev.shoal.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/** Every name, address and path the lab uses; nothing here touches the machine. */
public final class LabLayout {
    public static final String BRIDGE = "shoal0";
    public static final String SUBNET_PREFIX = "10.213.0.";
    public static final String BRIDGE_ADDRESS = SUBNET_PREFIX + "1";
    public static final int PREFIX_LENGTH = 24;
    public static final String NETNS_PREFIX = "shoal-";
    public static final String VETH_PREFIX = "shl-";
    public static final String CGROUP_PREFIX = "shoal-lab-";
    public static final String FIREWALL_TAG = "shoal-lab";
    public static final int CLUSTER_PORT = 4245;
    public static final int AGENT_PORT = 4243;
    public static final int MAX_NODES = 200;

    public static final Path RUN = Path.of("/run/shoal-lab");
    public static final Path VAR = Path.of("/var/lib/shoal-lab");
    public static final Path LOGS = RUN.resolve("logs");
    public static final Path STATE_FILE = RUN.resolve("lab.json");
    public static final Path IMAGES = RUN.resolve("images");
    public static final Path MANAGER_SOCKET = RUN.resolve("docker.sock");
    public static final Path MANAGER_PID = RUN.resolve("manager.pid");
    public static final Path MANAGER_LOG = LOGS.resolve("manager.log");
    public static final Path MANAGER_DATA = VAR.resolve("manager");
    /** Extra `shoal manage` options (one per line), e.g. --strategy binpack; kept across manager restarts. */
    public static final Path MANAGER_OPTIONS = VAR.resolve("manager-options");

    private LabLayout() {}

    public static String managerDockerHost() { return "unix://" + MANAGER_SOCKET; }

    public static String clusterListen() { return BRIDGE_ADDRESS + ":" + CLUSTER_PORT; }

    public static List<HostLayout> hosts(int count) {
        if (count < 1 || count > MAX_NODES) {
            throw new IllegalArgumentException("--nodes must be between 1 and " + MAX_NODES + ", got " + count);
        }
        return IntStream.rangeClosed(1, count).mapToObj(HostLayout::new).toList();
    }

    /** The names and paths of lab host {@code index} (1-based). */
    public record HostLayout(int index) {
        public HostLayout {
            if (index < 1 || index > MAX_NODES) throw new IllegalArgumentException("no lab host " + index);
        }

        /** Parses "node3" or "3". */
        public static HostLayout parse(String name) {
            String digits = name.startsWith("node") ? name.substring(4) : name;
            try {
                return new HostLayout(Integer.parseInt(digits));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a lab node: " + name + " (expected node<N>)");
            }
        }

        public String name() { return "node" + index; }
        public String netns() { return NETNS_PREFIX + name(); }
        public Path netnsPath() { return Path.of("/var/run/netns", netns()); }
        public String hostVeth() { return VETH_PREFIX + name(); }
        /** The peer's name before it moves into the namespace and becomes eth0. */
        public String peerVeth() { return VETH_PREFIX + "p" + index; }
        public String address() { return SUBNET_PREFIX + (10 + index); }
        public String cidr() { return address() + "/" + PREFIX_LENGTH; }
        public String cgroupParent() { return CGROUP_PREFIX + name(); }
        public String advertise() { return address() + ":" + AGENT_PORT; }

        public Path runDir() { return RUN.resolve(name()); }
        public Path varDir() { return VAR.resolve(name()); }
        public Path socket() { return runDir().resolve("docker.sock"); }
        public String dockerHost() { return "unix://" + socket(); }
        public Path execRoot() { return runDir().resolve("exec"); }
        public Path dockerPid() { return runDir().resolve("docker.pid"); }
        public Path agentPid() { return runDir().resolve("agent.pid"); }
        public Path dataRoot() { return varDir().resolve("docker"); }
        public Path etcDocker() { return varDir().resolve("etc-docker"); }
        public Path agentData() { return varDir().resolve("agent"); }
        public Path dockerLog() { return LOGS.resolve(name() + "-dockerd.log"); }
        public Path agentLog() { return LOGS.resolve(name() + "-agent.log"); }
    }
}
