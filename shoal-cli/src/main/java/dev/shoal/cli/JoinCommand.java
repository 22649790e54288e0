package dev.shoal.cli;

import picocli.CommandLine.Command;

@Command(name = "join", mixinStandardHelpOptions = true)
final class JoinCommand implements Runnable {
    @Override public void run() {
        throw new UnsupportedOperationException("join: not yet");
    }
}
