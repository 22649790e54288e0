package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ReschedulePolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reschedule policy a create body asks, in every spelling classic Swarm and the engine give it. */
class ReschedulePolicyTest {
    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) ClusterStore.JSON.readTree(json.replace('\'', '"'));
    }

    private static ReschedulePolicy policy(String json) throws Exception {
        return CreateSpec.from(body(json), false).reschedule();
    }

    @Test
    void offUnlessAsked() throws Exception {
        assertThat(policy("{'Image':'redis'}")).isEqualTo(ReschedulePolicy.OFF);
        assertThat(policy("{'Image':'redis','HostConfig':{'RestartPolicy':{'Name':'on-failure',"
                + "'MaximumRetryCount':3}}}")).isEqualTo(ReschedulePolicy.OFF);
        assertThat(policy("{'Image':'redis','HostConfig':{'RestartPolicy':{'Name':'no'}}}"))
                .isEqualTo(ReschedulePolicy.OFF);
    }

    @Test
    void theEnvironmentEntryIsMovedIntoTheLabelSoTheContainerDoesNotSeeIt() throws Exception {
        ObjectNode b = body("{'Image':'redis','Env':['A=1','reschedule:on-node-failure']}");
        CreateSpec spec = CreateSpec.from(b, false);
        assertThat(spec.reschedule()).isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
        assertThat(b.path("Env").toString()).isEqualTo("[\"A=1\"]");
        assertThat(b.path("Labels").path(ReschedulePolicy.LABEL).asText()).isEqualTo("[\"on-node-failure\"]");
        assertThat(spec.labels()).containsEntry(ReschedulePolicy.LABEL, "[\"on-node-failure\"]");
        // the stored body reads the same again (a pending container's spec is parsed once more when placed)
        assertThat(CreateSpec.from(b, false).reschedule()).isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
    }

    @Test
    void theLabelAsClassicSwarmWroteIt() throws Exception {
        assertThat(policy("{'Image':'redis','Labels':{'com.docker.swarm.reschedule-policies':"
                + "'[\\'on-node-failure\\']'}}".replace("\\'", "\\\""))).isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
        assertThat(policy("{'Image':'redis','Labels':{'com.docker.swarm.reschedule-policies':'on-node-failure'}}"))
                .isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
    }

    @Test
    void restartAlwaysAndUnlessStoppedRescheduleUnlessTheySayOff() throws Exception {
        assertThat(policy("{'Image':'redis','HostConfig':{'RestartPolicy':{'Name':'always'}}}"))
                .isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
        assertThat(policy("{'Image':'redis','HostConfig':{'RestartPolicy':{'Name':'unless-stopped'}}}"))
                .isEqualTo(ReschedulePolicy.ON_NODE_FAILURE);
        assertThat(policy("{'Image':'redis','Env':['reschedule:off'],"
                + "'HostConfig':{'RestartPolicy':{'Name':'always'}}}")).isEqualTo(ReschedulePolicy.OFF);
    }

    @Test
    void anUnknownOrContradictoryPolicyIsABadRequest() throws Exception {
        ObjectNode unknown = body("{'Image':'redis','Env':['reschedule:sometimes']}");
        assertThatThrownBy(() -> CreateSpec.from(unknown, false)).isInstanceOf(DockerException.class)
                .hasMessage("invalid reschedule policy: sometimes")
                .satisfies(e -> assertThat(((DockerException) e).status()).isEqualTo(400));
        assertThat(unknown.path("Env").toString()).as("nothing changed").contains("reschedule:sometimes");
        assertThatThrownBy(() -> policy("{'Image':'redis','Labels':{'com.docker.swarm.reschedule-policies':'[1]'}}"))
                .isInstanceOf(DockerException.class).hasMessageContaining("invalid reschedule policy");
        assertThatThrownBy(() -> policy("{'Image':'redis','Labels':{'com.docker.swarm.reschedule-policies':'[x'}}"))
                .isInstanceOf(DockerException.class).hasMessageContaining("invalid reschedule policy");
        assertThatThrownBy(() -> policy("{'Image':'redis','Env':['reschedule:off','reschedule:on-node-failure']}"))
                .isInstanceOf(DockerException.class).hasMessageContaining("invalid reschedule policy");
    }
}
