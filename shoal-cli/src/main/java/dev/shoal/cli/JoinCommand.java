package dev.shoal.cli;

import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.Labels;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shoal join}: runs the agent that puts this host's Docker engine into a Shoal cluster. */
@Command(name = "join", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Join this host's Docker engine to a Shoal cluster.",
                "Relays the manager's Docker API connections to the local engine and heartbeats to the manager. "
                        + "Never stops, starts or removes containers by itself; runs until killed."})
final class JoinCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--manager", required = true, paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "The manager's node endpoint.")
    HostPort manager;

    @Option(names = "--advertise", required = true, paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Where this node listens for the manager (a local address the manager can reach).")
    HostPort advertise;

    @Option(names = "--name", paramLabel = "NAME", description = "Node name (default: this host's hostname).")
    String name;

    @Option(names = "--docker", paramLabel = "ENGINE", converter = EngineAddressConverter.class,
            defaultValue = "unix:///var/run/docker.sock",
            description = "The local engine: unix:///path or tcp://HOST:PORT (default: ${DEFAULT-VALUE}).")
    EngineAddress docker;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A node label; repeatable.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/shoal/agent",
            description = "Where the node keeps its ID and certificate (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The cluster's join token (prefer --token-file: a command line is visible to others).")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "A file holding the join token (the manager writes it to DATA_DIR/ca/join-token).")
    Path tokenFile;

    @Option(names = "--insecure-cluster",
            description = "Plain HTTP and TCP to and from the manager, no certificates (debugging only).")
    boolean insecureCluster;

    @Override public Integer call() throws Exception {
        if (name != null && name.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name must not be empty");
        }
        Map<String, String> parsedLabels;
        try {
            parsedLabels = Labels.parse(labels);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid --label: " + e.getMessage());
        }
        Agent agent = Agent.start(new AgentConfig(manager, name, docker, advertise, parsedLabels, dataDir,
                joinToken(), insecureCluster));
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "shoal-join-shutdown"));
        agent.awaitClosed();
        return 0;
    }

    /** The token from --token or --token-file, or null; errors never echo the token. */
    private JoinToken joinToken() {
        if (token != null && tokenFile != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --token or --token-file, not both");
        }
        String text = token;
        if (tokenFile != null) {
            try {
                text = Files.readString(tokenFile, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "cannot read --token-file " + tokenFile + ": " + e.getMessage());
            }
        }
        if (text == null) {
            return null;
        }
        try {
            return JoinToken.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {
        @Override public HostPort convert(String value) {
            try {
                return HostPort.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class EngineAddressConverter implements CommandLine.ITypeConverter<EngineAddress> {
        @Override public EngineAddress convert(String value) {
            try {
                return EngineAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
