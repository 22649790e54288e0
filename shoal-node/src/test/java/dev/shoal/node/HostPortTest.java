package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
    @Test void parsesHostAndPort() {
        assertThat(HostPort.parse("10.213.0.11:4243")).isEqualTo(new HostPort("10.213.0.11", 4243));
        assertThat(HostPort.parse("manager.local:4245")).isEqualTo(new HostPort("manager.local", 4245));
        assertThat(HostPort.parse(" 127.0.0.1:1 ").toString()).isEqualTo("127.0.0.1:1");
    }

    @Test void parsesBracketedIpv6AndPrintsItBack() {
        HostPort hp = HostPort.parse("[::1]:4243");
        assertThat(hp.host()).isEqualTo("::1");
        assertThat(hp.port()).isEqualTo(4243);
        assertThat(hp.toString()).isEqualTo("[::1]:4243");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.1", "10.0.0.1:", ":4243", "10.0.0.1:0", "10.0.0.1:65536", "h:-1",
            "h:abc", "::1:4243", "tcp://h:1", "a b:1"})
    void rejectsMalformed(String text) {
        assertThatThrownBy(() -> HostPort.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
