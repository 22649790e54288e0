package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabLayoutTest {
    @Test
    void hostNamesAndAddressesFollowTheIndex() {
        List<HostLayout> hosts = LabLayout.hosts(3);
        assertThat(hosts).extracting(HostLayout::name).containsExactly("node1", "node2", "node3");
        assertThat(hosts).extracting(HostLayout::address).containsExactly("10.213.0.11", "10.213.0.12", "10.213.0.13");
        HostLayout h = hosts.get(1);
        assertThat(h.netns()).isEqualTo("shoal-node2");
        assertThat(h.hostVeth()).isEqualTo("shl-node2");
        assertThat(h.cidr()).isEqualTo("10.213.0.12/24");
        assertThat(h.dockerHost()).isEqualTo("unix:///run/shoal-lab/node2/docker.sock");
        assertThat(h.advertise()).isEqualTo("10.213.0.12:4243");
        assertThat(h.dataRoot()).hasToString("/var/lib/shoal-lab/node2/docker");
        assertThat(h.cgroupParent()).isEqualTo("shoal-lab-node2");
    }

    @Test
    void interfaceNamesFitTheKernelLimitForEveryHost() {
        for (HostLayout h : LabLayout.hosts(LabLayout.MAX_NODES)) {
            assertThat(h.hostVeth().length()).isLessThanOrEqualTo(15);
            assertThat(h.peerVeth().length()).isLessThanOrEqualTo(15);
        }
        assertThat(LabLayout.hosts(LabLayout.MAX_NODES).getLast().address()).isEqualTo("10.213.0.210");
    }

    @Test
    void parsesNodeNames() {
        assertThat(HostLayout.parse("node7").index()).isEqualTo(7);
        assertThat(HostLayout.parse("2").index()).isEqualTo(2);
        assertThatThrownBy(() -> HostLayout.parse("nodeX")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabLayout.hosts(0)).hasMessageContaining("--nodes");
    }

    @Test
    void managerEndpoints() {
        assertThat(LabLayout.managerDockerHost()).isEqualTo("unix:///run/shoal-lab/docker.sock");
        assertThat(LabLayout.clusterListen()).isEqualTo("10.213.0.1:4245");
    }

    @Test
    void aNamedLabSharesNoNameAddressOrPathWithTheDefaultOne() {
        LabLayout.Instance def = LabLayout.Instance.of("");
        LabLayout.Instance it = LabLayout.Instance.of("it");
        assertThat(it.subnetPrefix()).startsWith("10.213.").isNotEqualTo(def.subnetPrefix());
        // each lab's down finds its own by prefix or tag: neither may match the other's
        assertThat(it.netnsPrefix()).doesNotStartWith(def.netnsPrefix());
        assertThat(def.netnsPrefix()).doesNotStartWith(it.netnsPrefix());
        assertThat(it.vethPrefix()).doesNotStartWith(def.vethPrefix());
        assertThat(it.bridge()).isNotEqualTo(def.bridge()).doesNotStartWith(def.vethPrefix());
        assertThat(it.cgroupPrefix()).doesNotStartWith(def.cgroupPrefix());
        assertThat(it.firewallTag()).isNotEqualTo(def.firewallTag());
        assertThat(it.run() + "/").doesNotStartWith(def.run() + "/");
        assertThat(it.var() + "/").doesNotStartWith(def.var() + "/");
        // the managers' Raft ports are all on 127.0.0.1: two labs' managers must not want the same one
        assertThat(it.raftPort()).isNotEqualTo(def.raftPort()).isNotEqualTo(LabLayout.Instance.of("mem").raftPort());
        // the longest name still fits the kernel's 15-character interface names
        LabLayout.Instance longest = LabLayout.Instance.of("abcd");
        assertThat((longest.vethPrefix() + "node" + LabLayout.MAX_NODES).length()).isLessThanOrEqualTo(15);
        assertThat(longest.bridge().length()).isLessThanOrEqualTo(15);
    }

    @Test
    void labNamesAreShortAndPlain() {
        assertThat(LabLayout.Instance.of(null)).isEqualTo(LabLayout.Instance.of(""));
        assertThatThrownBy(() -> LabLayout.Instance.of("toolong")).hasMessageContaining("SHOAL_LAB");
        assertThatThrownBy(() -> LabLayout.Instance.of("a/b")).hasMessageContaining("SHOAL_LAB");
    }
}
