package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker ps} is answered from the manager's container views (kept from each node's events), yet a caller's
 * next list shows its own change at once: each command below is followed immediately by a list, never by a wait.
 */
class ReadYourWritesIT {
    private static final int ROUNDS = 10;

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private List<String> ps(String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ps";
        System.arraycopy(args, 0, cmd, 1, args.length);
        cmd[args.length + 1] = "--format";
        cmd[args.length + 2] = "{{.Names}} {{.State}} {{.Status}}";
        return docker.run(cmd).assertOk().lines();
    }

    private static String row(List<String> rows, String name) {
        return rows.stream().filter(r -> r.split(" ")[0].endsWith("/" + name)).findFirst().orElse(null);
    }

    @Test
    void aListShowsTheCallersOwnRunStopStartAndRemove() {
        for (int i = 0; i < ROUNDS; i++) {
            String name = names.next("ryw");
            docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();
            assertThat(row(ps(), name)).as("ps right after run -d (round %d)", i).contains(" running Up ");

            docker.run("stop", "-t", "0", name).assertOk();
            assertThat(row(ps(), name)).as("ps right after stop (round %d)", i).isNull();
            assertThat(row(ps("-a"), name)).as("ps -a right after stop (round %d)", i).contains(" exited Exited (");

            docker.run("start", name).assertOk();
            assertThat(row(ps("--filter", "name=" + name), name)).as("ps --filter name after start (round %d)", i)
                    .contains(" running Up ");

            docker.run("rm", "-f", name).assertOk();
            assertThat(row(ps("-a"), name)).as("ps -a right after rm (round %d)", i).isNull();
        }
    }

    @Test
    void aListShowsTheCallersPauseRenameAndCreate() {
        String name = names.next("rywp");
        docker.run("run", "-d", "--name", name, "--label", "ryw=" + name, "busybox", "sleep", "300").assertOk();
        docker.run("pause", name).assertOk();
        assertThat(row(ps("--filter", "label=ryw=" + name), name)).contains(" paused Up ").endsWith("(Paused)");
        docker.run("unpause", name).assertOk();
        assertThat(row(ps("--filter", "label=ryw=" + name), name)).contains(" running Up ").doesNotContain("Paused");

        String renamed = names.next("rywr");
        docker.run("rename", name, renamed).assertOk();
        List<String> rows = ps("--filter", "label=ryw=" + name);
        assertThat(row(rows, renamed)).isNotNull();
        assertThat(row(rows, name)).isNull();

        String created = names.next("rywc");
        docker.run("create", "--name", created, "busybox", "true").assertOk();
        assertThat(row(ps("-a", "--filter", "status=created"), created)).contains(" created Created");
    }

    @Test
    void aListShowsWhatAForegroundRunEndedWith() {
        for (int i = 0; i < ROUNDS / 2; i++) {
            String kept = names.next("rywf");
            docker.run("run", "--name", kept, "busybox", "true").assertOk();
            assertThat(row(ps("-a"), kept)).as("ps -a right after run (round %d)", i).contains(" exited Exited (0) ");

            String removed = names.next("rywrm");
            docker.run("run", "--rm", "--name", removed, "busybox", "true").assertOk();
            assertThat(row(ps("-a"), removed)).as("ps -a right after run --rm (round %d)", i).isNull();
        }
    }
}
