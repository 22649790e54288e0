package dev.shoal.cli;

import picocli.CommandLine.Command;

/** Placeholder: the lab helper fills this in. */
@Command(name = "lab", mixinStandardHelpOptions = true, description = "A real N-host cluster on this machine.")
final class LabCommand implements Runnable {
    @Override public void run() {
        throw new UnsupportedOperationException("lab: not yet");
    }
}
