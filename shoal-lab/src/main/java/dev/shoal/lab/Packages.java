package dev.shoal.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Makes sure the lab runs as root and that the programs it shells out to are installed. */
final class Packages {
    /** A program the lab needs and the Debian package that provides it. */
    private static final Map<String, String> NEEDED = new LinkedHashMap<>();

    static {
        NEEDED.put("dockerd", "docker.io");
        NEEDED.put("containerd", "docker.io");
        NEEDED.put("/bin/busybox", "busybox-static");
        NEEDED.put("ip", "iproute2");
        NEEDED.put("iptables", "iptables");
        NEEDED.put("nsenter", "util-linux");
        NEEDED.put("unshare", "util-linux");
        NEEDED.put("setsid", "util-linux");
    }

    private Packages() {}

    static void requireRoot() {
        String uid = Sh.run("id", "-u").strip();
        if (!"0".equals(uid)) {
            throw new Sh.Failed("shoal lab needs root (it creates network namespaces, a bridge, iptables rules and "
                    + "runs dockerd); run it with sudo. Current uid: " + uid);
        }
    }

    /** Installs docker.io, busybox-static, iproute2 and iptables with apt-get when any program is missing. */
    static void ensureInstalled(Lab.Progress progress) {
        List<String> missing = new ArrayList<>();
        NEEDED.forEach((program, pkg) -> {
            if (!Sh.has(program) && !missing.contains(pkg)) missing.add(pkg);
        });
        if (Files.isRegularFile(Path.of("/bin/busybox")) && !isStatic(Path.of("/bin/busybox"))
                && !missing.contains("busybox-static")) {
            missing.add("busybox-static");
        }
        if (missing.isEmpty()) return;
        if (!Sh.has("apt-get")) {
            throw new Sh.Failed("missing packages " + missing + " and no apt-get to install them; install "
                    + "docker.io busybox-static iproute2 iptables yourself");
        }
        progress.step("installing " + String.join(" ", missing) + " with apt-get");
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        Sh.run(List.of("apt-get", "update"), Duration.ofMinutes(5), env);
        List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y",
                "docker.io", "busybox-static", "iproute2", "iptables"));
        if (missing.contains("util-linux")) install.add("util-linux");
        Sh.run(install, Duration.ofMinutes(15), env);
    }

    /** A dynamically linked busybox cannot run in an image that holds only busybox. */
    static boolean isStatic(Path binary) {
        try (var in = Files.newInputStream(binary)) {
            // A dynamic ELF names its loader (PT_INTERP) in its first few hundred bytes; a static one has none.
            String head = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.ISO_8859_1);
            return !head.contains("/ld-linux") && !head.contains("/ld-musl");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
