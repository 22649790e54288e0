package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code docker events --since/--until} over several nodes: past events come out merged in time order (issue 7),
 * each naming its node, and a following stream gives the past part in order before the live part.
 */
class EventsOrderIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** The action last: an exec's action holds its command line, spaces and all. */
    private static final String FORMAT = "{{.TimeNano}} {{index .Actor.Attributes \"node.name\"}} {{.Type}} "
            + "{{index .Actor.Attributes \"it.evo\"}} {{.Action}}";

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    /** One line of {@link #FORMAT}. */
    record Ev(long timeNano, String node, String type, String action, String tag) {
        static Ev parse(String line) {
            String[] f = line.split(" ", 5);
            assertThat(f).as("event line %s", line).hasSize(5);
            return new Ev(Long.parseLong(f[0]), f[1], f[2], f[4], f[3]);
        }
    }

    private static String timestamp(Instant t) {
        return String.format(Locale.ROOT, "%d.%09d", t.getEpochSecond(), t.getNano());
    }

    /** Short-lived containers with label it.evo=tag, on node1 and node2 in turn. */
    private void runAlternately(String tag, int count) {
        for (int i = 0; i < count; i++) {
            docker.run("run", "--rm", "--name", names.next("evo"), "--label", "it.evo=" + tag,
                    "-e", "constraint:node==" + (i % 2 == 0 ? "node1" : "node2"), "busybox", "true").assertOk();
        }
    }

    private static List<Ev> parse(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank()).map(Ev::parse).toList();
    }

    private static void assertInTimeOrder(List<Ev> events) {
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).timeNano()).as("event %d of %s", i, events)
                    .isGreaterThanOrEqualTo(events.get(i - 1).timeNano());
        }
    }

    /** How often the node changes from one of these events to the next. */
    private static int nodeChanges(List<Ev> events) {
        int changes = 0;
        for (int i = 1; i < events.size(); i++) {
            changes += events.get(i).node().equals(events.get(i - 1).node()) ? 0 : 1;
        }
        return changes;
    }

    @Test
    void aBoundedQueryListsEveryNodesEventsInTimeOrder() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Instant t0 = Instant.now();
        runAlternately(tag, 4);
        Instant t1 = Instant.now();

        List<Ev> all = parse(docker.run("events", "--since", timestamp(t0), "--until", timestamp(t1),
                "--format", FORMAT).assertOk().lines());
        assertInTimeOrder(all);
        List<Ev> ours = all.stream().filter(e -> e.tag().equals(tag)).toList();
        assertThat(ours).extracting(Ev::node).contains("node1", "node2").containsOnly("node1", "node2");
        assertThat(ours).filteredOn(e -> e.action().equals("destroy")).hasSize(4);
        // node1, node2, node1, node2 one after the other: merged, not one node's events then the other's
        assertThat(nodeChanges(ours)).isGreaterThanOrEqualTo(3);
        assertThat(all).allSatisfy(e -> assertThat(e.timeNano())
                .isBetween(t0.getEpochSecond() * 1_000_000_000L + t0.getNano(),
                        t1.getEpochSecond() * 1_000_000_000L + t1.getNano()));

        // the same through a filter the engines apply
        List<Ev> filtered = parse(docker.run("events", "--since", timestamp(t0), "--until", timestamp(t1),
                "--filter", "label=it.evo=" + tag, "--format", FORMAT).assertOk().lines());
        assertThat(filtered).isEqualTo(ours);
    }

    @Test
    void aFollowingStreamGivesThePastInTimeOrderThenWhatComes() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Instant t0 = Instant.now();
        runAlternately(tag, 4);
        try (DockerCli.Running events = docker.start("events", "--since", timestamp(t0),
                "--filter", "label=it.evo=" + tag, "--format", FORMAT)) {
            await("the past part").atMost(BOUND).untilAsserted(() -> assertThat(parse(events.outSoFar().lines()
                    .toList())).filteredOn(e -> e.action().equals("destroy")).hasSize(4));
            List<Ev> past = parse(events.outSoFar().lines().toList());
            assertInTimeOrder(past);
            assertThat(nodeChanges(past)).isGreaterThanOrEqualTo(3);

            String live = names.next("evo-live");
            docker.run("run", "--rm", "--name", live, "--label", "it.evo=" + tag, "-e", "constraint:node==node2",
                    "busybox", "true").assertOk();
            await("the live part").atMost(BOUND).untilAsserted(() -> assertThat(parse(events.outSoFar().lines()
                    .toList())).filteredOn(e -> e.action().equals("destroy")).hasSize(5));
            List<Ev> all = parse(events.outSoFar().lines().toList());
            assertThat(all.subList(0, past.size())).isEqualTo(past);
            assertInTimeOrder(all);
            assertThat(new ArrayList<>(all.subList(past.size(), all.size()))).extracting(Ev::node)
                    .containsOnly("node2");
        }
    }
}
