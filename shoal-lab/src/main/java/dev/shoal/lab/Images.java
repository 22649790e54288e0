package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Seed images built on this machine, with no registry: busybox:latest and hello-world:latest. */
final class Images {
    static final String HELLO_TEXT = "\nHello from Docker!\n"
            + "This message shows that your installation appears to be working correctly.\n"
            + "(It was seeded into a Shoal lab host from a local build; no registry was involved.)\n\n";
    private static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** An image tarball for {@code docker import} with its Dockerfile-style changes. */
    record Seed(String ref, Path tarball, List<String> changes) {}

    private Images() {}

    /** Builds the seed tarballs under {@code dir} once; then {@link #load} imports them into any engine. */
    static List<Seed> build(Path dir) {
        try {
            Files.createDirectories(dir);
            Path bbRoot = dir.resolve("busybox-rootfs");
            busyboxRootfs(bbRoot);
            Seed busybox = new Seed("busybox:latest", tar(bbRoot, dir.resolve("busybox.tar")),
                    List.of("ENV " + PATH_ENV, "CMD [\"sh\"]"));
            return List.of(busybox, helloWorld(dir, bbRoot));
        } catch (IOException e) {
            throw new Sh.Failed("cannot build seed images in " + dir + ": " + e.getMessage());
        }
    }

    /** A static /hello compiled with gcc when there is one; else busybox printing the same greeting. */
    private static Seed helloWorld(Path dir, Path bbRoot) throws IOException {
        if (Sh.has("gcc")) {
            Path src = dir.resolve("hello.c");
            Files.writeString(src, helloSource());
            Path root = dir.resolve("hello-rootfs");
            Files.createDirectories(root);
            Sh.Result cc = Sh.exec("gcc", "-static", "-Os", "-s", "-o", root.resolve("hello").toString(), src.toString());
            if (cc.ok()) {
                return new Seed("hello-world:latest", tar(root, dir.resolve("hello-world.tar")),
                        List.of("CMD [\"/hello\"]"));
            }
        }
        return new Seed("hello-world:latest", dir.resolve("busybox.tar"),
                List.of("ENV " + PATH_ENV, "CMD [\"printf\", \"" + HELLO_TEXT.replace("\n", "\\\\n") + "\"]"));
    }

    static String helloSource() {
        String literal = HELLO_TEXT.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return "#include <unistd.h>\n"
                + "static const char msg[] = \"" + literal + "\";\n"
                + "int main(void) { return write(1, msg, sizeof msg - 1) == (ssize_t) (sizeof msg - 1) ? 0 : 1; }\n";
    }

    /** bin/busybox plus a symlink per applet at its usual place, a minimal /etc and the usual empty dirs. */
    private static void busyboxRootfs(Path root) throws IOException {
        Path bin = root.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        Files.setPosixFilePermissions(bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String applet : Sh.run("/bin/busybox", "--list-full").lines().map(String::strip).toList()) {
            if (applet.isEmpty() || applet.equals("bin/busybox")) continue;
            Path link = root.resolve(applet);
            Files.createDirectories(link.getParent());
            if (Files.notExists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, link.getParent().relativize(bin.resolve("busybox")));
            }
        }
        for (String d : List.of("etc", "tmp", "root", "var/www", "home", "dev", "proc", "sys")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    }

    private static Path tar(Path root, Path tarball) {
        Sh.run("tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root.toString(), "-cf", tarball.toString(), ".");
        return tarball;
    }

    /** Imports every seed into host {@code h}'s engine. */
    static void load(HostLayout h, List<Seed> seeds) {
        for (Seed seed : seeds) {
            List<String> cmd = new ArrayList<>(List.of(dockerCli(), "-H", h.dockerHost(), "import"));
            for (String change : seed.changes()) cmd.addAll(List.of("--change", change));
            cmd.addAll(List.of(seed.tarball().toString(), seed.ref()));
            Sh.run(cmd, Duration.ofSeconds(120), Map.of());
        }
    }

    /** Saves the seeds from host {@code h} into one archive, so every other host gets the very same image IDs. */
    static Path save(HostLayout h, List<Seed> seeds, Path archive) {
        List<String> cmd = new ArrayList<>(List.of(dockerCli(), "-H", h.dockerHost(), "save", "-o", archive.toString()));
        seeds.forEach(seed -> cmd.add(seed.ref()));
        Sh.run(cmd, Duration.ofSeconds(120), Map.of());
        return archive;
    }

    /** Loads an archive made by {@link #save} into host {@code h}'s engine. */
    static void loadSaved(HostLayout h, Path archive) {
        Sh.run(List.of(dockerCli(), "-H", h.dockerHost(), "load", "-q", "-i", archive.toString()),
                Duration.ofSeconds(120), Map.of());
    }

    static String dockerCli() {
        return Sh.has("/usr/local/bin/docker") ? "/usr/local/bin/docker" : "docker";
    }
}
