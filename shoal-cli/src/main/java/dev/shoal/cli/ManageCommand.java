package dev.shoal.cli;

import picocli.CommandLine.Command;

@Command(name = "manage", mixinStandardHelpOptions = true)
final class ManageCommand implements Runnable {
    @Override public void run() {
        throw new UnsupportedOperationException("manage: not yet");
    }
}
