package dev.shoal.node.report;

import java.io.IOException;

/** The manager answered but refused the heartbeat, e.g. 409 when the node name is taken. */
public final class ManagerRejectedException extends IOException {
    private final int status;

    public ManagerRejectedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
