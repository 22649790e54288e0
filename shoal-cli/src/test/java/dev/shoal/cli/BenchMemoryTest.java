package dev.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How `shoal bench memory` reads a process's RSS (what it prints, not what it should be). */
class BenchMemoryTest {
    @Test void readsVmRssInMegabytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  117387 kB\nRssAnon:\t 87000 kB\n";
        assertThat(BenchCommand.Memory.formatRss(status)).isEqualTo("114.6 MB");
        assertThat(BenchCommand.Memory.formatRss("Name:\tzombie\nState:\tZ (zombie)\n")).isEqualTo("not running");
    }

    @Test void thisProcessHasAnRss() {
        assertThat(BenchCommand.Memory.rss(ProcessHandle.current().pid())).endsWith(" MB");
        assertThat(BenchCommand.Memory.rss(0)).isEqualTo("not running");
    }
}
