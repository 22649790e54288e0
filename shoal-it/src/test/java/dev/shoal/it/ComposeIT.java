package dev.shoal.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Debian's docker-compose (1.29) against the manager: up, ps, scale, logs, down of a two-service file. */
class ComposeIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private final DockerCli docker = DockerCli.lab();
    private final String project = "it" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path dir;

    private DockerCli.Result compose(String... args) {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "-f";
        cmd[1] = dir.resolve("docker-compose.yml").toString();
        cmd[2] = "-p";
        cmd[3] = project;
        System.arraycopy(args, 0, cmd, 4, args.length);
        return docker.runProgram(LONG, "docker-compose", cmd);
    }

    private List<String> projectContainers() {
        return docker.run("ps", "-a", "--filter", "label=com.docker.compose.project=" + project,
                "--format", "{{.Names}}").assertOk().lines();
    }

    @AfterEach
    void down() {
        if (Files.exists(dir.resolve("docker-compose.yml"))) {
            compose("down", "--timeout", "1");
        }
    }

    @Test
    void upPsScaleLogsDown() throws Exception {
        Files.writeString(dir.resolve("docker-compose.yml"), """
                version: "3.8"
                services:
                  web:
                    image: busybox
                    command: sh -c 'echo web up; mkdir -p /www; echo hi > /www/index.html; httpd -f -p 80 -h /www'
                  worker:
                    image: busybox
                    command: sh -c 'echo worker up; sleep 600'
                """);
        compose("up", "-d").assertOk();
        String ps = compose("ps").assertOk().out();
        assertThat(ps).containsPattern(project + "_web_1\\s.*Up").containsPattern(project + "_worker_1\\s.*Up");
        assertThat(docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines())
                .contains(project + "_default");

        compose("up", "-d", "--scale", "worker=3").assertOk();
        List<String> names = projectContainers();
        assertThat(names).hasSize(4).allMatch(n -> n.matches("node[123]/" + project + "_(web|worker)_\\d"));
        Set<String> nodes = new HashSet<>();
        names.forEach(n -> nodes.add(n.substring(0, n.indexOf('/'))));
        assertThat(nodes).as("spread over the nodes").hasSizeGreaterThanOrEqualTo(2);

        String logs = compose("logs", "--no-color").assertOk().out();
        assertThat(logs).contains("web up").contains("worker up");

        compose("down", "--timeout", "1").assertOk();
        assertThat(projectContainers()).isEmpty();
        assertThat(docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines())
                .doesNotContain(project + "_default");
    }
}
