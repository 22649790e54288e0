package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code docker ps} filters the manager answers from its container views give what node1's engine gives for its
 * own containers: the same containers in the same order, with the same State and Status.
 */
class ViewFiltersIT {
    private final DockerCli docker = DockerCli.lab();
    private final DockerCli engine = DockerCli.engine("node1");
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private List<String> ps(DockerCli cli, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("ps", "--no-trunc", "--format", "{{.ID}} {{.State}} {{.Status}}"));
        if (cli == docker) {
            cmd.addAll(List.of("--filter", "node=node1"));
        }
        cmd.addAll(args);
        return cli.run(cmd.toArray(String[]::new)).assertOk().lines();
    }

    @Test
    void viewAnswersMatchTheEngine() {
        String tag = names.next("vf");
        String up = names.next("vfup");
        String exited = names.next("vfex");
        String created = names.next("vfcr");
        String paused = names.next("vfpa");
        docker.run("run", "-d", "--name", up, "-e", "constraint:node==node1", "--label", "vf=" + tag,
                "--label", "role=web", "busybox", "sleep", "300").assertOk();
        assertThat(docker.run("run", "--name", exited, "-e", "constraint:node==node1", "--label", "vf=" + tag,
                "busybox", "sh", "-c", "exit 3").exit()).isEqualTo(3);
        docker.run("create", "--name", created, "-e", "constraint:node==node1", "--label", "vf=" + tag,
                "busybox", "true").assertOk();
        docker.run("run", "-d", "--name", paused, "-e", "constraint:node==node1", "--label", "vf=" + tag,
                "busybox", "sleep", "300").assertOk();
        docker.run("pause", paused).assertOk();
        String upId = docker.run("inspect", "--format", "{{.Id}}", up).assertOk().trimmed();

        List<List<String>> queries = List.of(
                List.of(), List.of("-a"), List.of("-n", "2"), List.of("--filter", "label=vf=" + tag),
                List.of("-a", "--filter", "label=vf=" + tag), List.of("-a", "--filter", "label=role"),
                List.of("--filter", "status=exited", "--filter", "label=vf=" + tag),
                List.of("--filter", "status=paused"), List.of("-a", "--filter", "exited=3"),
                List.of("--filter", "exited=3"), List.of("-a", "--filter", "name=" + tag.substring(0, 6)),
                List.of("-a", "--filter", "name=^/?vfex-"), List.of("-a", "--filter", "name=" + created),
                List.of("-a", "--filter", "id=" + upId.substring(0, 10)),
                List.of("-a", "--filter", "since=" + up, "--filter", "label=vf=" + tag),
                List.of("-a", "--filter", "before=" + paused, "--filter", "label=vf=" + tag));
        for (List<String> q : queries) {
            // containers of other tests may change meanwhile: both sides agree once the views heard of it
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(ps(docker, q)).as("docker ps %s", q).isEqualTo(ps(engine, q)));
        }
    }
}
