package dev.shoal.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shoal.lab.LabLayout.HostLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What {@code lab up} made, kept in /run/shoal-lab/lab.json for status, cut, heal and down. */
public record LabState(int nodes, boolean manager, String dockerHost, List<Host> hosts, long managerPid,
                       String createdAt) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One host as recorded. */
    public record Host(String name, String address, String netns, String dockerHost, long dockerdPid, long agentPid) {
        static Host of(HostLayout h, long dockerdPid, long agentPid) {
            return new Host(h.name(), h.address(), h.netns(), h.dockerHost(), dockerdPid, agentPid);
        }
    }

    public List<HostLayout> layouts() {
        return hosts.stream().map(h -> HostLayout.parse(h.name())).toList();
    }

    void write() {
        write(LabLayout.STATE_FILE);
    }

    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Sh.Failed("cannot write " + file + ": " + e.getMessage());
        }
    }

    public static Optional<LabState> read() {
        return read(LabLayout.STATE_FILE);
    }

    static Optional<LabState> read(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(file.toFile(), LabState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
