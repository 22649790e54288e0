package dev.shoal.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input sent as raw HTTP (curl on the manager's unix socket): the manager answers as the engine would. */
class ApiErrorsIT {
    private static String socket;
    private static DockerCli docker;
    @TempDir
    static Path dir;

    @BeforeAll
    static void lab() {
        String host = SharedLab.ensureUp();
        assertThat(host).startsWith("unix://");
        socket = host.substring("unix://".length());
        docker = DockerCli.lab();
    }

    record Http(int status, Map<String, String> headers, String body, Duration took) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One request with curl; {@code body} null for none. Headers are keyed in lower case. */
    static Http http(String method, String path, Path body) throws IOException, InterruptedException {
        String tag = UUID.randomUUID().toString();
        Path headers = dir.resolve(tag + ".headers");
        Path out = dir.resolve(tag + ".body");
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-m", "20", "--unix-socket", socket,
                "-o", out.toString(), "-D", headers.toString(), "-w", "%{http_code}", "-H", "Expect:"));
        if (method.equals("HEAD")) {
            cmd.add("-I");
        } else {
            cmd.addAll(List.of("-X", method));
        }
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", "@" + body));
        }
        cmd.add("http://localhost" + path);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("curl %s %s finished", method, path).isTrue();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        Map<String, String> h = new TreeMap<>();
        for (String line : Files.readAllLines(headers, StandardCharsets.ISO_8859_1)) {
            int colon = line.indexOf(':');
            if (colon > 0) h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        return new Http(Integer.parseInt(code), h, text, took);
    }

    static Path json(String content) throws IOException {
        Path f = dir.resolve(UUID.randomUUID() + ".json");
        Files.writeString(f, content);
        return f;
    }

    private static int containerCount() {
        return docker.run("ps", "-aq").assertOk().lines().size();
    }

    @Test
    void malformedJsonCreateIs400AndCreatesNothing() throws Exception {
        String name = "apierr-" + UUID.randomUUID().toString().substring(0, 8);
        Http r = http("POST", "/v1.41/containers/create?name=" + name, json("{\"Image\": \"busybox\", "));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).matches("(?s)\\{\"message\":\".+\"}\\s*");
        assertThat(docker.run("ps", "-aq", "--filter", "name=" + name).assertOk().lines()).isEmpty();

        Http notObject = http("POST", "/v1.41/containers/create?name=" + name, json("[1,2]"));
        assertThat(notObject.status()).isEqualTo(400);
        assertThat(notObject.body()).contains("\"message\"");
        assertThat(docker.run("ps", "-aq", "--filter", "name=" + name).assertOk().lines()).isEmpty();
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        Path big = dir.resolve("big.json");
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) ' ');
        try (var out = Files.newOutputStream(big)) {
            out.write("{\"Image\":\"busybox\",\"Cmd\":[\"".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 9; i++) out.write(chunk);
            out.write("\"]}".getBytes(StandardCharsets.UTF_8));
        }
        int before = containerCount();
        Http r = http("POST", "/v1.41/containers/create", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).contains("\"message\"");
        assertThat(containerCount()).isLessThanOrEqualTo(before);
    }

    @Test
    void anUpdateToLongMaxMemoryIsRefusedAndTheReservationStays() throws Exception {
        String name = "apierr-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            docker.run("run", "-d", "--name", name, "--memory", "64m", "busybox", "sleep", "600").assertOk();
            // the API, as a client library sends it (the CLI itself overflows such a value to a negative one)
            Http huge = http("POST", "/v1.41/containers/" + name + "/update",
                    json("{\"Memory\": " + Long.MAX_VALUE + "}"));
            assertThat(huge.status()).isEqualTo(409);
            assertThat(huge.body()).contains("insufficient memory");
            assertThat(docker.run("inspect", "--format", "{{.HostConfig.Memory}}", name).assertOk().trimmed())
                    .isEqualTo(String.valueOf(64L << 20));
            // the node's reservation is within its total: a 64 MiB container still fits there
            String node = docker.run("inspect", "--format", "{{.Node.Name}}", name).assertOk().trimmed();
            docker.run("run", "-d", "--name", name + "-2", "-e", "constraint:node==" + node, "--memory", "64m",
                    "busybox", "sleep", "600").assertOk();
            assertThat(docker.run("inspect", "--format", "{{.State.Status}}", name + "-2").assertOk().trimmed())
                    .isEqualTo("running");
        } finally {
            docker.run("rm", "-f", name, name + "-2");
        }
    }

    @Test
    void invalidContainerNameIs400() throws Exception {
        Http r = http("POST", "/v1.41/containers/create?name=bad%20name!", json("{\"Image\":\"busybox\"}"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("Invalid container name (bad name!)");
        DockerCli.Result cli = docker.run("create", "--name", "x", "busybox");
        assertThat(cli.exit()).isNotZero();
        assertThat(cli.err()).contains("Invalid container name (x)");
    }

    @Test
    void unknownContainerIs404() throws Exception {
        Http r = http("GET", "/v1.41/containers/nosuch/json", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("\"message\":\"No such container: nosuch\"");
        DockerCli.Result cli = docker.run("inspect", "--type", "container", "nosuch");
        assertThat(cli.exit()).isEqualTo(1);
        assertThat(cli.err()).contains("No such container: nosuch");
    }

    @Test
    void unknownEndpointAnswersAtOnceWithAMessage() throws Exception {
        for (String[] req : List.of(new String[] {"GET", "/v1.41/swarm"}, new String[] {"GET", "/v1.41/nothing/here"},
                new String[] {"POST", "/v1.41/build"}, new String[] {"GET", "/swarm"})) {
            Http r = http(req[0], req[1], null);
            assertThat(r.status()).as("%s %s", req[0], req[1]).isBetween(400, 599);
            assertThat(r.body()).as("%s %s", req[0], req[1]).matches("(?s)\\{\"message\":\".+\"}\\s*");
            assertThat(r.took()).as("%s %s", req[0], req[1]).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void tooNewClientVersionIs400() throws Exception {
        Http r = http("GET", "/v9.99/version", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("client version 9.99 is too new");
        Http ok = http("GET", "/v1.41/version", null);
        assertThat(ok.status()).isEqualTo(200);
        Http older = http("GET", "/v1.24/version", null);
        assertThat(older.status()).isEqualTo(200);
    }

    @Test
    void pingCarriesApiHeaders() throws Exception {
        for (String method : List.of("GET", "HEAD")) {
            Http r = http(method, "/_ping", null);
            assertThat(r.status()).as(method).isEqualTo(200);
            assertThat(r.header("Api-Version")).as(method).isEqualTo("1.41");
            assertThat(r.header("Ostype")).as(method).isEqualTo("linux");
            if (method.equals("GET")) assertThat(r.body()).isEqualTo("OK");
        }
    }

    @Test
    void unversionedPathsWork() throws Exception {
        Http version = http("GET", "/version", null);
        assertThat(version.status()).isEqualTo(200);
        assertThat(version.body()).contains("\"ApiVersion\":\"1.41\"");
        Http info = http("GET", "/info", null);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.body()).contains("\"SystemStatus\"");
        Http list = http("GET", "/containers/json?all=1", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).startsWith("[");
        Http images = http("GET", "/images/json", null);
        assertThat(images.status()).isEqualTo(200);
        assertThat(images.body()).contains("busybox:latest");
    }
}
