package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class CommandsTest {
    private final HostLayout node2 = new HostLayout(2);

    @Test
    void dockerdRunsInTheHostsNamespacesWithItsOwnPaths() {
        List<String> cmd = Engines.command(node2);
        assertThat(cmd.subList(0, 8)).containsExactly("nsenter", "--net=/var/run/netns/shoal-node2", "unshare", "--uts",
                "--mount", "--propagation", "private", "sh");
        String script = cmd.getLast();
        assertThat(script).contains("mount --bind /var/lib/shoal-lab/node2/etc-docker /etc/docker", "hostname node2",
                "exec dockerd", "--data-root /var/lib/shoal-lab/node2/docker", "--exec-root /run/shoal-lab/node2/exec",
                "--pidfile /run/shoal-lab/node2/docker.pid", "--host unix:///run/shoal-lab/node2/docker.sock",
                "--cgroup-parent shoal-lab-node2");
    }

    @Test
    void agentAndManagerArguments() {
        assertThat(Cluster.managerArgs(List.of())).containsExactly("manage", "--host",
                "unix:///run/shoal-lab/docker.sock", "--cluster-listen", "10.213.0.1:4245", "--raft-port", "4246",
                "--data-dir", "/var/lib/shoal-lab/manager");
        assertThat(Cluster.managerArgs(List.of("--strategy=binpack"))).endsWith("--strategy=binpack");
        assertThat(Cluster.agentArgs(node2)).containsExactly("join", "--manager", "10.213.0.1:4245", "--name", "node2",
                "--docker", "unix:///run/shoal-lab/node2/docker.sock", "--advertise", "10.213.0.12:4243",
                "--data-dir", "/var/lib/shoal-lab/node2/agent",
                "--token-file", "/var/lib/shoal-lab/manager/ca/join-token", "--label", "zone=b");
        List<String> java = new Cluster.Launcher("/jdk/bin/java", Path.of("/x/shoal.jar")).shoal(List.of("lab", "up"));
        assertThat(java).containsExactly("/jdk/bin/java", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", "/x/shoal.jar", "lab", "up");
    }

    @Test
    void agentsAndManagerGetTheirRoleOptionsThenShoalJvmOpts() {
        Cluster.Launcher launcher = new Cluster.Launcher("/jdk/bin/java", Path.of("/x/shoal.jar"),
                Cluster.Launcher.splitOptions("  -XX:NativeMemoryTracking=summary   -Xmx99m "));
        List<String> agent = launcher.shoal(List.of("join", "--name", "node1"));
        assertThat(agent).containsSubsequence(Cluster.AGENT_JVM_OPTS).containsSubsequence("-XX:+UseSerialGC",
                "-XX:NativeMemoryTracking=summary", "-Xmx99m", "-jar", "/x/shoal.jar", "join", "--name", "node1");
        assertThat(launcher.shoal(List.of("manage"))).containsSubsequence(Cluster.MANAGER_JVM_OPTS)
                .containsSubsequence("-Xmx1g", "-Xmx99m", "-jar");
        assertThat(Cluster.roleJvmOptions("join", 21)).doesNotContain("-XX:TrimNativeHeapInterval=5000")
                .contains("-XX:+UseSerialGC");
        assertThat(Cluster.roleJvmOptions("join", 25)).contains("-XX:TrimNativeHeapInterval=5000");
        assertThat(Cluster.roleJvmOptions("lab", 25)).isEmpty();
        assertThat(Cluster.Launcher.splitOptions(null)).isEmpty();
        assertThat(Cluster.Launcher.splitOptions(" ")).isEmpty();
    }

    /** ./shoal join and ./shoal manage run with the options the lab gives its agents and manager. */
    @Test
    void theLauncherScriptGivesTheSameRoleOptions() throws java.io.IOException {
        Path script = Path.of(System.getProperty("user.dir")).resolveSibling("shoal");
        String text = java.nio.file.Files.readString(script);
        assertThat(scriptList(text, "agent_jvm_opts")).isEqualTo(Cluster.AGENT_JVM_OPTS);
        assertThat(scriptList(text, "manager_jvm_opts")).isEqualTo(Cluster.MANAGER_JVM_OPTS);
    }

    private static List<String> scriptList(String script, String variable) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + variable + "=\"([^\"]*)\"").matcher(script);
        assertThat(m.find()).as(variable + " in ./shoal").isTrue();
        return List.of(m.group(1).strip().split("\\s+"));
    }

    @Test
    void readsTheNodeCountFromInfo() {
        String info = "{\"ID\":\"x\",\"SystemStatus\":[[\"Role\",\"primary\"],[\"Nodes\",\"3\"],[\" node1\",\"10.213.0.11:4243\"]]}";
        assertThat(Cluster.parseNodeCount(info)).isEqualTo(OptionalInt.of(3));
        assertThat(Cluster.parseNodeCount("{\"SystemStatus\":[[\"Nodes\",\"2\"],[\"  └ Status\",\"Healthy\"],"
                + "[\"  └ Status\",\"Pending\"]]}")).as("a node not yet healthy is not counted").isEqualTo(OptionalInt.of(1));
        assertThat(Cluster.parseNodeCount("{\"SystemStatus\":null}")).isEmpty();
        assertThat(Cluster.parseNodeCount("not json")).isEmpty();
    }

    @Test
    void recognisesOnlyTaggedRules() {
        assertThat(Firewall.isLabRule("-A FORWARD -i shoal0 -o shoal0 -m comment --comment shoal-lab -j ACCEPT")).isTrue();
        assertThat(Firewall.isLabRule("-A FORWARD -i docker0 -j ACCEPT")).isFalse();
        assertThat(Firewall.isLabRule("-A FORWARD -m comment --comment shoal-lab-other -j ACCEPT")).isFalse();
        assertThat(Firewall.isLabRule("-P FORWARD DROP")).isFalse();
    }

    @Test
    void parsesHttpResponses() {
        assertThat(DockerSocket.parse("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nOK"))
                .hasValue(new DockerSocket.Response(200, "OK"));
        assertThat(DockerSocket.parse("garbage")).isEmpty();
    }

    @Test
    void helloSourceIsAValidCString() {
        assertThat(Images.helloSource()).contains("\"\\nHello from Docker!\\n");
    }
}
