package dev.shoal.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Every name, address and path the lab uses; nothing here touches the machine. The environment variable
 * {@code SHOAL_LAB} names a second lab beside the default one (the integration tests run theirs as {@code it}):
 * its own bridge, subnet, namespaces, links, firewall tag, cgroups and directories, none of which the other
 * lab's up/down touches.
 */
public final class LabLayout {
    /** The names one lab instance uses; {@link #of} derives them from the instance name ("" for the default lab). */
    public record Instance(String name, String bridge, String subnetPrefix, String netnsPrefix, String vethPrefix,
                           String cgroupPrefix, String firewallTag, Path run, Path var, int raftPort) {
        private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9]{1,4}");

        /** The default lab for null or "", else the lab named {@code name} (1 to 4 lowercase letters or digits). */
        public static Instance of(String name) {
            if (name == null || name.isEmpty()) {
                return new Instance("", "shoal0", "10.213.0.", "shoal-", "shl-", "shoal-lab-", "shoal-lab",
                        Path.of("/run/shoal-lab"), Path.of("/var/lib/shoal-lab"), 4246);
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("SHOAL_LAB must be 1 to 4 lowercase letters or digits, got \""
                        + name + "\"");
            }
            // the third octet: 1..250 from the name, so two named labs rarely share a subnet (the default has 0);
            // the manager's Raft port (on loopback, shared by every lab) follows it: 14246 + octet
            int octet = 1 + Math.floorMod(name.hashCode(), 250);
            String veth = "shl" + name + "-";
            return new Instance(name, veth + "br", "10.213." + octet + ".", "shoal" + name + "-", veth,
                    "shoal-lab" + name + "-", "shoal-lab-" + name, Path.of("/run/shoal-lab-" + name),
                    Path.of("/var/lib/shoal-lab-" + name), 14246 + octet);
        }
    }

    /** This process's lab: {@code SHOAL_LAB}, or the default one. */
    public static final Instance INSTANCE = Instance.of(System.getenv("SHOAL_LAB"));

    public static final String BRIDGE = INSTANCE.bridge();
    public static final String SUBNET_PREFIX = INSTANCE.subnetPrefix();
    public static final String BRIDGE_ADDRESS = SUBNET_PREFIX + "1";
    public static final int PREFIX_LENGTH = 24;
    public static final String NETNS_PREFIX = INSTANCE.netnsPrefix();
    public static final String VETH_PREFIX = INSTANCE.vethPrefix();
    public static final String CGROUP_PREFIX = INSTANCE.cgroupPrefix();
    public static final String FIREWALL_TAG = INSTANCE.firewallTag();
    public static final int CLUSTER_PORT = 4245;
    public static final int AGENT_PORT = 4243;
    /** The manager's Raft peer port: it listens on 127.0.0.1, which every lab shares, so each lab has its own. */
    public static final int RAFT_PORT = INSTANCE.raftPort();
    public static final int MAX_NODES = 200;

    public static final Path RUN = INSTANCE.run();
    public static final Path VAR = INSTANCE.var();
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
