package dev.shoal.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EngineAddressTest {
    @Test void unixSocket() {
        EngineAddress a = EngineAddress.parse("unix:///var/run/docker.sock");
        assertThat(a.isUnix()).isTrue();
        assertThat(a.socketAddress()).isEqualTo(UnixDomainSocketAddress.of("/var/run/docker.sock"));
        assertThat(a.toString()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(EngineAddress.DEFAULT).isEqualTo(a);
    }

    @Test void tcp() {
        EngineAddress a = EngineAddress.parse("tcp://10.213.0.11:2375");
        assertThat(a.isUnix()).isFalse();
        assertThat(a.socketAddress()).isEqualTo(new InetSocketAddress("10.213.0.11", 2375));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/var/run/docker.sock", "unix://", "unix://host/sock", "tcp://h", "tcp://:2375",
            "http://h:2375", "tcp://h:2375/path", "npipe:////./pipe/docker_engine"})
    void rejectsMalformed(String text) {
        assertThatThrownBy(() -> EngineAddress.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
