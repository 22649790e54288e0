package dev.shoal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code shoal} command: one binary for the manager, the agent and the lab. */
@Command(name = "shoal", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Shoal turns a pool of Docker hosts into one virtual Docker host.",
        subcommands = {ManageCommand.class, JoinCommand.class, LabCommand.class, BenchCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Netty's leak sampling records a stack trace for one buffer in 128: measurable on the byte relays (manager and
        // agent move every byte of docker cp/build/save). Tests run Netty with it on; set the property to turn it on here.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        // java.util.logging (gRPC inside Ratis) goes through the same quiet, one-line-per-event log as the rest
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !Boolean.getBoolean("shoal.keepRunning")) {
            System.exit(code);
        }
    }
}
