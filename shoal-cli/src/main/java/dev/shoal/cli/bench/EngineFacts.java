package dev.shoal.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a simulated node's engine says of itself: {@code GET /info} and {@code GET /version} shaped as dockerd 20.10
 * answers them (every field dockerd sends, so heartbeats and fan-outs carry realistic sizes), with CPU and memory
 * varied by node.
 */
final class EngineFacts {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] CPUS = {4, 8, 16, 32};
    private static final long GIB = 1L << 30;

    private EngineFacts() { }

    static int cpus(int index) {
        return CPUS[index % CPUS.length];
    }

    static long memory(int index) {
        return cpus(index) * 4 * GIB - 180L * (1 << 20);
    }

    /** dockerd's {@code /info} for node {@code index} holding {@code running} running and {@code stopped} other containers. */
    static ObjectNode info(int index, String hostname, int running, int stopped) {
        ObjectNode i = JSON.createObjectNode();
        i.put("ID", String.format("SIMN:%04X:%04X:ENGN:%04X:%04X:BNCH:%04X:%04X:MNGR:%04X:%04X:SHOL",
                index >> 16, index & 0xffff, index, index, index, index, index, index));
        i.put("Containers", running + stopped);
        i.put("ContainersRunning", running);
        i.put("ContainersPaused", 0);
        i.put("ContainersStopped", stopped);
        i.put("Images", 1);
        i.put("Driver", "overlay2");
        var status = i.putArray("DriverStatus");
        status.addArray().add("Backing Filesystem").add("extfs");
        status.addArray().add("Supports d_type").add("true");
        status.addArray().add("Native Overlay Diff").add("true");
        status.addArray().add("userxattr").add("false");
        ObjectNode plugins = i.putObject("Plugins");
        plugins.putArray("Volume").add("local");
        plugins.putArray("Network").add("bridge").add("host").add("ipvlan").add("macvlan").add("null").add("overlay");
        plugins.putNull("Authorization");
        plugins.putArray("Log").add("awslogs").add("fluentd").add("gcplogs").add("gelf").add("journald")
                .add("json-file").add("local").add("logentries").add("splunk").add("syslog");
        for (String flag : new String[] {"MemoryLimit", "SwapLimit", "KernelMemory", "KernelMemoryTCP", "CpuCfsPeriod",
                "CpuCfsQuota", "CPUShares", "CPUSet", "PidsLimit", "IPv4Forwarding", "BridgeNfIptables",
                "BridgeNfIp6tables", "OomKillDisable"}) {
            i.put(flag, true);
        }
        i.put("Debug", false);
        i.put("NFd", 24 + 3 * running);
        i.put("NGoroutines", 34 + 8 * running);
        i.put("SystemTime", java.time.OffsetDateTime.now().toString());
        i.put("LoggingDriver", "json-file");
        i.put("CgroupDriver", "cgroupfs");
        i.put("CgroupVersion", "1");
        i.put("NEventsListener", 1);
        i.put("KernelVersion", "5.15.0-91-generic");
        i.put("OperatingSystem", "Ubuntu 22.04.3 LTS");
        i.put("OSVersion", "22.04");
        i.put("OSType", "linux");
        i.put("Architecture", "x86_64");
        i.put("IndexServerAddress", "https://index.docker.io/v1/");
        ObjectNode registry = i.putObject("RegistryConfig");
        registry.put("AllowNondistributableArtifactsCIDRs", (String) null);
        registry.put("AllowNondistributableArtifactsHostnames", (String) null);
        registry.putArray("InsecureRegistryCIDRs").add("127.0.0.0/8");
        registry.putObject("IndexConfigs").putObject("docker.io").put("Name", "docker.io")
                .put("Secure", true).put("Official", true).putArray("Mirrors");
        registry.putArray("Mirrors");
        i.put("NCPU", cpus(index));
        i.put("MemTotal", memory(index));
        i.putNull("GenericResources");
        i.put("DockerRootDir", "/var/lib/docker");
        i.put("HttpProxy", "");
        i.put("HttpsProxy", "");
        i.put("NoProxy", "");
        i.put("Name", hostname);
        i.putArray("Labels").add("zone=" + (char) ('a' + index % 3)).add("rack=r" + index % 40);
        i.put("ExperimentalBuild", false);
        i.put("ServerVersion", "20.10.25");
        ObjectNode runtimes = i.putObject("Runtimes");
        runtimes.putObject("io.containerd.runc.v2").put("path", "runc");
        runtimes.putObject("io.containerd.runtime.v1.linux").put("path", "runc");
        runtimes.putObject("runc").put("path", "runc");
        i.put("DefaultRuntime", "runc");
        ObjectNode swarm = i.putObject("Swarm");
        swarm.put("NodeID", "").put("NodeAddr", "").put("LocalNodeState", "inactive").put("ControlAvailable", false)
                .put("Error", "").putNull("RemoteManagers");
        i.put("LiveRestoreEnabled", false);
        i.put("Isolation", "");
        i.put("InitBinary", "docker-init");
        i.putObject("ContainerdCommit").put("ID", "").put("Expected", "");
        i.putObject("RuncCommit").put("ID", "").put("Expected", "");
        i.putObject("InitCommit").put("ID", "").put("Expected", "");
        i.putArray("SecurityOptions").add("name=apparmor").add("name=seccomp,profile=default");
        i.putArray("Warnings");
        return i;
    }

    static ObjectNode version() {
        ObjectNode v = JSON.createObjectNode();
        ObjectNode platform = v.putObject("Platform");
        platform.put("Name", "");
        ObjectNode engine = v.putArray("Components").addObject();
        engine.put("Name", "Engine").put("Version", "20.10.25");
        engine.putObject("Details").put("ApiVersion", "1.41").put("Arch", "amd64").put("BuildTime", "2023-07-07T06:30:00Z")
                .put("Experimental", "false").put("GitCommit", "20.10.25-0ubuntu1~22.04.1").put("GoVersion", "go1.20.3")
                .put("KernelVersion", "5.15.0-91-generic").put("MinAPIVersion", "1.12").put("Os", "linux");
        v.put("Version", "20.10.25");
        v.put("ApiVersion", "1.41");
        v.put("MinAPIVersion", "1.12");
        v.put("GitCommit", "20.10.25-0ubuntu1~22.04.1");
        v.put("GoVersion", "go1.20.3");
        v.put("Os", "linux");
        v.put("Arch", "amd64");
        v.put("KernelVersion", "5.15.0-91-generic");
        v.put("BuildTime", "2023-07-07T06:30:00.000000000+00:00");
        return v;
    }
}
