package dev.shoal.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 13: docker-java's own integration suite (3.7.1, its {@code cmd.*IT} classes) run once against one lab
 * engine and once through the manager. Each test here is one of its tests that passed on the engine and failed
 * through the manager, written as the same call made both ways: the manager must answer as the engine does.
 */
class DockerJavaSuiteIT {
    private static DockerClient manager;
    private static DockerClient engine;

    @BeforeAll
    static void connect() {
        manager = client(SharedLab.ensureUp());
        engine = client(dev.shoal.lab.LabLayout.HostLayout.parse("node1").dockerHost());
    }

    private static DockerClient client(String host) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withApiVersion("1.41").build();
        var http = new ZerodepDockerHttpClient.Builder().dockerHost(URI.create(host))
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(60)).build();
        return DockerClientImpl.getInstance(config, http);
    }

    @AfterAll
    static void close() throws Exception {
        if (manager != null) manager.close();
        if (engine != null) engine.close();
    }

    private static List<DockerClient> both() {
        return List.of(engine, manager);
    }

    /**
     * PushImageCmdIT.pushNonExistentImage: an engine answers the push of an image it does not have with 200 and
     * a progress stream whose last message is the error, which docker-java raises as DockerClientException; the
     * manager answered 404 (NotFoundException).
     */
    @Test
    void pushOfAnImageNoNodeHoldsEndsInTheEnginesStreamError() {
        String image = "nonexistent-" + UUID.randomUUID().toString().replace("-", "");
        for (DockerClient c : both()) {
            assertThatThrownBy(() -> c.pushImageCmd(image).start().awaitCompletion(30, TimeUnit.SECONDS))
                    .as(c == engine ? "engine" : "manager")
                    .isInstanceOf(DockerClientException.class)
                    .hasMessageContaining("An image does not exist locally with the tag");
        }
    }

    /**
     * SaveImagesCmdIT.saveNoImages: {@code GET /images/get} with no names is an empty archive on an engine
     * (only zero blocks); the manager answered 400.
     */
    @Test
    void saveOfNoImagesIsAnEmptyArchive() throws IOException {
        List<byte[]> archives = new ArrayList<>();
        for (DockerClient c : both()) {
            try (InputStream in = c.saveImagesCmd().exec()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                archives.add(out.toByteArray());
            }
        }
        assertThat(archives.get(0)).isNotEmpty();
        assertThat(archives.get(1)).isEqualTo(archives.get(0)); // a fixed archive: no dates, no IDs
    }

    /**
     * PullImageCmdIT, EventsCmdIT, ListContainersCmdIT.testAncestorFilter (they fail on both here, no registry, but
     * differently): an engine refuses a pull it cannot start with 500 and {@code {"message": …}}; the manager
     * answered 200 and a stream of one error line per node, which docker-java misreads (a pull item without status).
     */
    @Test
    void pullEveryNodeRefusesIsRefusedAsOneEngineRefusesIt() {
        String tag = "no-such-" + UUID.randomUUID().toString().substring(0, 8);
        List<Throwable> errors = new ArrayList<>();
        for (DockerClient c : both()) {
            try {
                c.pullImageCmd("busybox").withTag(tag).start().awaitCompletion(60, TimeUnit.SECONDS);
                errors.add(null);
            } catch (Throwable t) {
                errors.add(t);
            }
        }
        assertThat(errors.get(0)).as("engine").isInstanceOf(InternalServerErrorException.class);
        assertThat(errors.get(1)).as("manager").isInstanceOf(InternalServerErrorException.class)
                .hasMessage(errors.get(0).getMessage().strip()); // dockerd's JSON encoder ends its body with \n
    }

    /**
     * CopyFileFromContainerCmdIT.copyFromNonExistingContainer: {@code POST /containers/{id}/copy} was removed in
     * API 1.24; dockerd answers 404 (docker-java: NotFoundException); the manager answered 501 (DockerException).
     */
    @Test
    void removedCopyEndpointIsA404AsOnAnEngine() {
        for (DockerClient c : both()) {
            assertThatThrownBy(() -> c.copyArchiveFromContainerCmd("non-existing", "/test").exec().close())
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> {
                @SuppressWarnings("deprecation")
                var cmd = c.copyFileFromContainerCmd("non-existing", "/test");
                cmd.exec().close();
            }).as(c == engine ? "engine" : "manager").isInstanceOf(NotFoundException.class);
        }
    }
}
