package dev.shoal.cli;

import dev.shoal.model.ShoalVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print Shoal's version.")
final class VersionCommand implements Runnable {
    @Override public void run() {
        System.out.println("shoal " + ShoalVersion.VERSION + " (Docker Engine API " + ShoalVersion.API_VERSION
                + ", java " + Runtime.version() + ")");
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            return new String[] {"shoal " + ShoalVersion.VERSION};
        }
    }
}
