package dev.shoal.node.tls;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.HostPort;
import dev.shoal.node.Json;
import java.io.IOException;
import dev.shoal.node.net.ManagerClient;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a node its certificate: a new key pair and CSR, posted with the join token to the manager's
 * {@code /shoal/v1/certificates}, over TLS that trusts only a manager whose CA matches the token's digest (on Netty,
 * {@link ManagerClient}).
 */
public final class Enrollment {
    public static final String PATH = "/shoal/v1/certificates";
    private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long the manager may take to sign: a loaded manager just started was seen taking 16 s, and an enrolment
     * whose answer is missed cannot simply be asked again (the node ID is then taken: 409).
     */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(45);

    private Enrollment() { }

    /** The certificate kept in {@code dir}, or a new one from the manager (then kept in {@code dir}). */
    public static ClusterTls loadOrEnroll(Path dir, HostPort manager, JoinToken token, String nodeId,
                                          HostPort advertise) throws IOException {
        if (ClusterTls.existsIn(dir)) {
            return ClusterTls.load(dir);
        }
        if (token == null) {
            throw new IOException("no certificate in " + dir + " yet: give a join token (--token-file) to get one");
        }
        ClusterTls tls = enrollWhenReachable(manager, token, nodeId, advertise);
        tls.save(dir);
        LOG.info("node {} got its cluster certificate; stored in {}", nodeId, dir);
        return tls;
    }

    /** The manager could not be reached at all (not a refusal): worth trying again. */
    public static final class ManagerUnreachableException extends IOException {
        ManagerUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@link #enroll}, retried while the manager cannot be reached (it may still be starting, or restarting); a
     * refusal (wrong token, CA mismatch) ends at once.
     */
    public static ClusterTls enrollWhenReachable(HostPort manager, JoinToken token, String nodeId, HostPort advertise)
            throws IOException {
        long pauseMillis = 250;
        boolean told = false;
        while (true) {
            try {
                return enroll(manager, token, nodeId, advertise);
            } catch (ManagerUnreachableException e) {
                if (!told) {
                    LOG.warn("manager unreachable for a certificate, retrying ({})", e.getMessage());
                    told = true;
                }
            }
            try {
                Thread.sleep(pauseMillis); // back-off between attempts, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the manager", e);
            }
            pauseMillis = Math.min(pauseMillis * 2, 2000);
        }
    }

    /** Asks the manager to sign a new key for {@code nodeId}; nothing is stored. */
    public static ClusterTls enroll(HostPort manager, JoinToken token, String nodeId, HostPort advertise)
            throws IOException {
        KeyPair keys = newKeyPair();
        String csr = Pem.encode(csr(keys, nodeId));
        byte[] body = Json.write(Json.object().put("token", token.text())
                .put("csr", csr).put("nodeId", nodeId).put("address", advertise.toString()));
        String uri = "https://" + manager + PATH;
        ManagerClient.Answer response;
        try (ManagerClient client = new ManagerClient(manager, pinnedContext(token), TIMEOUT)) {
            response = client.post(PATH, body, ANSWER_TIMEOUT);
        } catch (ManagerClient.UnreachableException e) {
            throw new ManagerUnreachableException("cannot get a certificate from " + uri + ": " + rootMessage(e), e);
        } catch (IOException e) {
            throw new IOException("cannot get a certificate from " + uri + ": " + rootMessage(e), e);
        }
        JsonNode answer = Json.read(response.body());
        if (response.status() != 200) {
            throw new IOException("the manager refused a certificate (" + response.status() + "): "
                    + answer.path("message").asText(""));
        }
        X509Certificate cert = Pem.certificate(answer.path("certificate").asText(""));
        X509Certificate ca = Pem.certificate(answer.path("ca").asText(""));
        if (!JoinToken.digest(ca).equals(token.caDigest())) {
            throw new IOException("the manager answered with a CA that does not match the join token");
        }
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IOException("the issued certificate is not signed by the cluster CA", e);
        }
        return new ClusterTls(keys.getPrivate(), cert, ca);
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC key", e);
        }
    }

    static org.bouncycastle.pkcs.PKCS10CertificationRequest csr(KeyPair keys, String commonName) {
        try {
            return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + commonName), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR", e);
        }
    }

    /** TLS 1.3 with no client certificate, trusting only a server whose chain holds the token's CA. */
    private static SslContext pinnedContext(JoinToken token) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(ClusterTls.nettyProvider())
                    .trustManager(new PinnedCaTrustManager(token.caDigest()))
                    .protocols(ClusterTls.PROTOCOL)
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build TLS context", e);
        }
    }

    private static String rootMessage(Throwable e) {
        String message = e.toString();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message;
    }
}
