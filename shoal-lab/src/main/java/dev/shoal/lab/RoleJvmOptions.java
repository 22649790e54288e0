package dev.shoal.lab;

import java.util.List;

/**
 * The JVM options each role runs with, the same lists the {@code shoal} launcher gives {@code shoal join} and
 * {@code shoal manage} (CommandsTest checks they agree): the lab and the manager benchmark start their processes
 * with them.
 */
public final class RoleJvmOptions {
    private RoleJvmOptions() {
    }

    /**
     * Netty 4.2 defines JFR events for its allocator whenever JFR is available, which starts JFR's event machinery and
     * the class-file API (some 250 classes) in a JVM that records nothing.
     */
    private static final String NO_NETTY_JFR = "-Dio.netty.jfr.enabled=false";

    /**
     * The agent compiles with C2 alone: its hot code is the relay, which C2 compiles either way, and without C1's
     * profiled tier the code cache and method profiles stay small (measured 2026-12-02: about 10 MB less resident, the
     * same agent CPU per 10 MB copy after 60 warm-up copies).
     */
    public static final List<String> AGENT = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx64m",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:MaxDirectMemorySize=512m",
            "-XX:TrimNativeHeapInterval=5000", NO_NETTY_JFR, "-XX:-TieredCompilation");

    public static final List<String> MANAGER = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx1g",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:MaxDirectMemorySize=512m",
            "-XX:TrimNativeHeapInterval=5000", NO_NETTY_JFR);
}
