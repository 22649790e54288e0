package dev.shoal.manager.dispatcher;

import javax.net.ssl.SSLSession;

/**
 * One request on the cluster port, read whole: what the handlers (heartbeat, certificate issue and renewal) need of it.
 *
 * @param session the TLS session it came on, or null on a plain-HTTP port ({@code --insecure-cluster})
 * @param remote  the caller's address, for logs
 */
record ClusterRequest(String method, String path, byte[] body, SSLSession session, String remote) {
    /** Whether the body is longer than {@code max} bytes. */
    boolean bodyOver(int max) {
        return body.length > max;
    }
}
