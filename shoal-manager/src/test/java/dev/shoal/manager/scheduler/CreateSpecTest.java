package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.scheduler.expr.ParseException;
import dev.shoal.scheduler.model.Dependency;
import dev.shoal.scheduler.model.PortBinding;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading a create body the way the docker CLI sends it. */
class CreateSpecTest {
    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) ClusterStore.JSON.readTree(json.replace('\'', '"'));
    }

    @Test
    void readsReservationsPortsAndDependencies() throws Exception {
        ObjectNode b = body("{'Image':'busybox','HostConfig':{'Memory':67108864,'NanoCpus':500000000,"
                + "'PortBindings':{'80/tcp':[{'HostIp':'','HostPort':'8080'}],'53/udp':[{'HostPort':''}]},"
                + "'VolumesFrom':['data:ro'],'Links':['/db:/web/db'],'NetworkMode':'container:proxy',"
                + "'IpcMode':'container:shm'}}");
        CreateSpec spec = CreateSpec.from(b, false);
        assertThat(spec.memory()).isEqualTo(64L << 20);
        assertThat(spec.nanoCpus()).isEqualTo(500_000_000L);
        assertThat(spec.ports()).containsExactly("8080/tcp");
        assertThat(spec.request().ports()).containsExactly(PortBinding.tcp(8080), new PortBinding(0, "udp"));
        assertThat(spec.request().dependencies()).extracting(Dependency::container)
                .containsExactlyInAnyOrder("data", "db", "proxy", "shm");
    }

    @Test
    void movesRulesFromTheEnvironmentIntoTheLabelsAsClassicSwarmDid() throws Exception {
        ObjectNode b = body("{'Image':'busybox','Env':['A=1','constraint:node==node1','affinity:image==redis'],"
                + "'Labels':{'com.docker.swarm.constraints':'[\\'zone==a\\']','team':'x'}}");
        CreateSpec spec = CreateSpec.from(b, false);
        assertThat(spec.request().constraints()).hasSize(2);
        assertThat(spec.request().affinities()).hasSize(1);
        assertThat(b.get("Env").toString()).isEqualTo("[\"A=1\"]");
        assertThat(b.path("Labels").path("com.docker.swarm.constraints").asText())
                .isEqualTo("[\"zone==a\",\"node==node1\"]");
        assertThat(b.path("Labels").path("com.docker.swarm.affinities").asText()).isEqualTo("[\"image==redis\"]");
        assertThat(spec.labels()).containsEntry("team", "x")
                .containsEntry("com.docker.swarm.affinities", "[\"image==redis\"]");
        // read again (a pending container is replayed from its stored body): the same rules, nothing doubled
        CreateSpec again = CreateSpec.from(b, false);
        assertThat(again.request().constraints()).containsExactlyInAnyOrderElementsOf(spec.request().constraints());
        assertThat(again.request().affinities()).isEqualTo(spec.request().affinities());
    }

    @Test
    void aMalformedRuleIsRefusedAndTheBodyLeftAsItWas() throws Exception {
        ObjectNode b = body("{'Image':'busybox','Env':['constraint:node==node1','constraint:zone=a']}");
        String before = b.toString();
        assertThatThrownBy(() -> CreateSpec.from(b, false)).isInstanceOf(ParseException.class)
                .hasMessageContaining("\"zone=a\"");
        assertThat(b.toString()).isEqualTo(before);
        assertThatThrownBy(() -> CreateSpec.from(body("{'Image':'b','HostConfig':{'PortBindings':"
                + "{'80/tcp':[{'HostPort':'http'}]}}}"), false)).isInstanceOf(ParseException.class)
                .hasMessageContaining("http");
    }

    @Test
    void cpuSharesReadAsCoresOnlyWithTheClassicOption() throws Exception {
        ObjectNode b = body("{'Image':'busybox','HostConfig':{'CpuShares':2}}");
        assertThat(CreateSpec.from(b, false).nanoCpus()).isZero();
        assertThat(CreateSpec.from(b, true).nanoCpus()).isEqualTo(2_000_000_000L);
        ObjectNode both = body("{'Image':'busybox','HostConfig':{'CpuShares':2,'NanoCpus':250000000}}");
        assertThat(CreateSpec.from(both, true).nanoCpus()).isEqualTo(250_000_000L);
    }

    @Test
    void aHostNetworkContainerTakesTheHostPortsItExposes() throws Exception {
        ObjectNode b = body("{'Image':'busybox','ExposedPorts':{'80/tcp':{},'53/udp':{}},"
                + "'HostConfig':{'NetworkMode':'host','PortBindings':{'80/tcp':[{'HostPort':'8080'}]}}}");
        CreateSpec spec = CreateSpec.from(b, false);
        assertThat(spec.ports()).containsExactlyInAnyOrder("80/tcp", "53/udp");
        assertThat(spec.request().ports()).containsExactlyInAnyOrder(PortBinding.host(80, "tcp"),
                PortBinding.host(53, "udp"));
        // bridge mode: exposing is not binding
        ObjectNode bridge = body("{'Image':'busybox','ExposedPorts':{'80/tcp':{}},'HostConfig':{}}");
        assertThat(CreateSpec.from(bridge, false).ports()).isEmpty();
    }

    @Test
    void theBackslashAShellLeavesBeforeBangReadsAsBang() throws Exception {
        // docker run --label 'com.docker.swarm.affinities=["container\!=c1"]' -e 'constraint:node\!=node1'
        ObjectNode b = body("{'Image':'busybox'}");
        b.putArray("Env").add("constraint:node\\!=node1");
        b.putObject("Labels").put("com.docker.swarm.affinities", "[\"container\\!=c1\"]");
        CreateSpec spec = CreateSpec.from(b, false);
        assertThat(spec.request().affinities()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("container");
            assertThat(e.negated()).isTrue();
        });
        assertThat(b.path("Labels").path("com.docker.swarm.constraints").asText()).isEqualTo("[\"node!=node1\"]");
        assertThat(CreateSpec.from(b, false).request().constraints()).singleElement()
                .satisfies(e -> assertThat(e.negated()).isTrue());
    }
}
