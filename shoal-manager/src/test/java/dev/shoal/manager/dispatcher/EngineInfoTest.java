package dev.shoal.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compact engine facts give back what the whole {@code /info} tree gave: the answer itself, facts and labels. */
class EngineInfoTest {
    /** A dockerd 20.10 answer, shortened but with its nested parts. */
    static ObjectNode dockerd(String id, String name, int cpus, String... labels) throws Exception {
        ObjectNode info = (ObjectNode) ClusterStore.JSON.readTree(("""
                {'ID':'%s','Containers':3,'ContainersRunning':2,'ContainersPaused':0,'ContainersStopped':1,
                 'Images':4,'Driver':'overlay2','DriverStatus':[['Backing Filesystem','extfs'],['Supports d_type','true']],
                 'Plugins':{'Volume':['local'],'Network':['bridge','host'],'Authorization':null},
                 'MemoryLimit':true,'NFd':31,'NGoroutines':42,'SystemTime':'2026-12-02T05:00:00.1+00:00',
                 'LoggingDriver':'json-file','NEventsListener':1,'KernelVersion':'5.15.0-91-generic',
                 'OperatingSystem':'Ubuntu 22.04.3 LTS','OSType':'linux','Architecture':'x86_64',
                 'RegistryConfig':{'InsecureRegistryCIDRs':['127.0.0.0/8'],'Mirrors':[]},
                 'NCPU':%d,'MemTotal':16591532032,'Name':'%s','Labels':[],'ServerVersion':'20.10.25',
                 'Swarm':{'NodeID':'','LocalNodeState':'inactive'},'Warnings':null}
                """.formatted(id, cpus, name)).replace('\'', '"'));
        var array = info.putArray("Labels");
        for (String l : labels) {
            array.add(l);
        }
        return info;
    }

    @Test
    void theWholeAnswerComesBackAsTheEngineSentItWithItsFieldsInOrder() throws Exception {
        ObjectNode sent = dockerd("AAAA:1", "host1", 8, "zone=a");
        String before = sent.toString();
        EngineInfo info = EngineInfo.of(sent);
        assertThat(sent.toString()).as("of() leaves its argument alone").isEqualTo(before);
        assertThat(info.tree().toString()).isEqualTo(before);
        info.tree().put("Name", "changed");
        assertThat(info.tree().toString()).as("each tree is a copy").isEqualTo(before);
    }

    @Test
    void enginesThatShareTheRestEachKeepTheirOwnFields() throws Exception {
        ObjectNode a = dockerd("AAAA:1", "host1", 8, "zone=a");
        ObjectNode b = dockerd("BBBB:2", "host2", 16, "zone=b", "rack=r7");
        b.put("SystemTime", "2026-12-02T05:00:01.2+00:00").put("NFd", 99);
        String aText = a.toString();
        String bText = b.toString();
        EngineInfo first = EngineInfo.adopt(a);
        EngineInfo second = EngineInfo.adopt(b);
        assertThat(first.tree().toString()).isEqualTo(aText);
        assertThat(second.tree().toString()).isEqualTo(bText);
        assertThat(second.cpus()).isEqualTo(16);
        assertThat(second.labels()).containsExactly("zone=b", "rack=r7");
    }

    @Test
    void theSchedulerAndDockerInfoReadTheSameFactsAsFromTheTree() throws Exception {
        EngineInfo info = EngineInfo.of(dockerd("AAAA:1", "host1", 8, "zone=a", "containerslots=2", "kernelversion=x"));
        assertThat(info.present()).isTrue();
        assertThat(info.cpus()).isEqualTo(8);
        assertThat(info.memoryBytes()).isEqualTo(16591532032L);
        assertThat(info.containers()).isEqualTo(3);
        assertThat(info.containersRunning()).isEqualTo(2);
        assertThat(info.containersPaused()).isZero();
        assertThat(info.containersStopped()).isEqualTo(1);
        assertThat(info.images()).isEqualTo(4);
        assertThat(info.serverVersion()).isEqualTo("20.10.25");
        assertThat(info.driver()).isEqualTo("overlay2");
        // classic Swarm's engine facts, then the engine's labels (a label of the same name wins)
        assertThat(info.engineLabels()).isEqualTo(Map.of("kernelversion", "x",
                "operatingsystem", "Ubuntu 22.04.3 LTS", "ostype", "linux", "storagedriver", "overlay2",
                "executiondriver", "native", "zone", "a", "containerslots", "2"));
    }

    @Test
    void missingFactsReadAsTheTreesDefaults() throws Exception {
        EngineInfo bare = EngineInfo.of(ClusterStore.JSON.readTree("{\"NCPU\":2}"));
        assertThat(bare.present()).isTrue();
        assertThat(bare.osType()).isEqualTo("linux");
        assertThat(bare.images()).as("no image count").isEqualTo(-1);
        assertThat(bare.memoryBytes()).isZero();
        assertThat(bare.labels()).isEmpty();
        assertThat(EngineInfo.of(null)).isSameAs(EngineInfo.NONE);
        assertThat(EngineInfo.NONE.present()).isFalse();
        assertThat(EngineInfo.NONE.tree().isEmpty()).isTrue();
    }

    @Test
    void countersThatChangeEveryBeatAreNotSchedulingFacts() throws Exception {
        EngineInfo before = EngineInfo.of(dockerd("AAAA:1", "host1", 8, "zone=a"));
        JsonNode busier = dockerd("AAAA:1", "host1", 8, "zone=a").put("Containers", 9).put("NFd", 80);
        assertThat(before.sameSchedulingFacts(EngineInfo.of(busier))).isTrue();
        assertThat(before.sameSchedulingFacts(EngineInfo.of(dockerd("AAAA:1", "host1", 8, "zone=b")))).isFalse();
        assertThat(before.sameSchedulingFacts(EngineInfo.of(dockerd("AAAA:1", "host1", 4, "zone=a")))).isFalse();
        assertThat(before.sameSchedulingFacts(EngineInfo.NONE)).isFalse();
    }
}
