package dev.shoal.manager.api;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS for the TCP API, configured the way dockerd is: a certificate and key, and with {@code --tlsverify} a CA
 * whose signature every client certificate must carry.
 */
public record ApiTls(Path cert, Path key, Path ca, boolean verifyClients) {
    public ApiTls {
        for (Path p : new Path[] {cert, key}) {
            if (p == null || !Files.isReadable(p)) {
                throw new IllegalArgumentException("TLS file " + p + " is missing or unreadable");
            }
        }
        if (verifyClients && (ca == null || !Files.isReadable(ca))) {
            throw new IllegalArgumentException("--tlsverify needs a readable --tlscacert (got " + ca + ")");
        }
    }

    public SslContext context() throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile());
        if (ca != null) {
            b.trustManager(ca.toFile());
        }
        b.clientAuth(verifyClients ? ClientAuth.REQUIRE : ClientAuth.NONE);
        return b.build();
    }
}
