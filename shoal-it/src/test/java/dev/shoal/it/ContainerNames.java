package dev.shoal.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Container names no other test uses, each removed ({@code docker rm -f}) after the test that took it.
 * Register with {@code @RegisterExtension final ContainerNames names = new ContainerNames(docker);}.
 */
public final class ContainerNames implements AfterEachCallback {
    private final DockerCli docker;
    private final List<String> taken = new CopyOnWriteArrayList<>();

    public ContainerNames(DockerCli docker) {
        this.docker = docker;
    }

    /** {@code prefix} plus a random suffix, e.g. web-3f9a1c2e. */
    public String next(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        taken.add(name);
        return name;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (String name : taken) {
            docker.run("rm", "-f", name);
        }
        taken.clear();
    }
}
