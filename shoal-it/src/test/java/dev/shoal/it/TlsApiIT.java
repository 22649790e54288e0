package dev.shoal.it;

import dev.shoal.manager.Manager;
import dev.shoal.manager.ManagerConfig;
import dev.shoal.manager.api.ApiTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The TCP API speaks TLS the way dockerd does: the docker CLI's --tlsverify flags work, plain clients are refused. */
class TlsApiIT {
    @TempDir static Path dir;
    static Manager manager;
    static String host;

    @BeforeAll
    static void startManagerWithTls() throws Exception {
        openssl("genrsa", "-traditional", "-out", "ca-key.pem", "2048");
        openssl("req", "-new", "-x509", "-days", "2", "-key", "ca-key.pem", "-subj", "/CN=shoal-test-ca", "-out", "ca.pem");
        sign("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        sign("client", "extendedKeyUsage=clientAuth\n");
        int api = freePort();
        host = "tcp://127.0.0.1:" + api;
        manager = Manager.start(new ManagerConfig(List.of(dir.resolve("docker.sock")),
                List.of(new InetSocketAddress("127.0.0.1", api)),
                new ApiTls(dir.resolve("server-cert.pem"), dir.resolve("server-key.pem"), dir.resolve("ca.pem"), true),
                new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("data"), freePort(), "spread", false));
    }

    @AfterAll
    static void stop() throws IOException {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void theCliWithClientCertificatesIsServed() {
        DockerCli.Result r = new DockerCli(host).run("--tlsverify", "--tlscacert", dir.resolve("ca.pem").toString(),
                "--tlscert", dir.resolve("client-cert.pem").toString(), "--tlskey", dir.resolve("client-key.pem").toString(),
                "version", "--format", "{{.Server.APIVersion}}");
        assertThat(r.assertOk().trimmed()).isEqualTo("1.41");
    }

    @Test
    void aClientWithoutCertificateIsRefused() {
        DockerCli.Result r = new DockerCli(host).run("--tlsverify", "--tlscacert", dir.resolve("ca.pem").toString(),
                "version", "--format", "{{.Server.APIVersion}}");
        assertThat(r.exit()).isNotZero();
        assertThat(r.out()).doesNotContain("1.41");
    }

    @Test
    void plainHttpIsRefused() {
        DockerCli.Result r = new DockerCli(host).run("version", "--format", "{{.Server.APIVersion}}");
        assertThat(r.exit()).isNotZero();
        assertThat(r.out()).doesNotContain("1.41");
    }

    private static void sign(String who, String extensions) throws Exception {
        openssl("genrsa", "-traditional", "-out", who + "-key.pem", "2048");
        openssl("req", "-new", "-key", who + "-key.pem", "-subj", "/CN=" + who, "-out", who + ".csr");
        Files.writeString(dir.resolve(who + ".ext"), extensions);
        openssl("x509", "-req", "-days", "2", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-extfile", who + ".ext", "-out", who + "-cert.pem");
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
