package dev.shoal.node.tls;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.HostPort;
import dev.shoal.node.Json;
import java.io.Closeable;
import java.io.IOException;
import dev.shoal.node.net.ManagerClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's certificate fresh: once a third of its lifetime is left (at once if that time has passed), posts
 * a CSR for a new key to the manager's {@code /shoal/v1/certificates/renew} over mutual TLS with the current
 * certificate (trusting only the manager's certificate), stores the answer in place of the old one (see
 * {@link ClusterTls#replace}) and hands it to the listener, which switches the node's contexts to it. A failed
 * attempt is tried again after a pause of a tenth of what is left (between 1 s and 1 min).
 */
public final class CertificateRenewal implements Closeable {
    public static final String PATH = "/shoal/v1/certificates/renew";
    private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewal.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HostPort manager;
    private final Path dir;
    private final AtomicReference<ClusterTls> current;
    private final Consumer<ClusterTls> onRenewed;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread thread;

    /**
     * @param dir       where the certificate is kept (replaced on each renewal)
     * @param onRenewed told each new certificate, after it is stored
     */
    public CertificateRenewal(HostPort manager, Path dir, ClusterTls initial, Consumer<ClusterTls> onRenewed) {
        this.manager = Objects.requireNonNull(manager);
        this.dir = dir;
        this.current = new AtomicReference<>(Objects.requireNonNull(initial));
        this.onRenewed = onRenewed;
    }

    public ClusterTls current() {
        return current.get();
    }

    /** Renews whenever due on a virtual thread, until {@link #close()}. */
    public CertificateRenewal start() {
        thread = Thread.ofVirtual().name("certificate-renewal").start(this::run);
        return this;
    }

    private void run() {
        try {
            while (stopped.getCount() > 0) {
                ClusterTls tls = current.get();
                long wait = Duration.between(Instant.now(), tls.renewAt()).toMillis();
                if (wait > 0) {
                    if (stopped.await(wait, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    continue;
                }
                try {
                    renewNow();
                } catch (IOException | RuntimeException e) {
                    if (stopped.getCount() == 0) {
                        return;
                    }
                    long left = Duration.between(Instant.now(), tls.cert().getNotAfter().toInstant()).toMillis();
                    long pause = Math.clamp(left / 10, 1000L, 60_000L);
                    LOG.warn("cannot renew the cluster certificate (serial {}, expires {}): {}; trying again in {} ms",
                            tls.serial(), tls.cert().getNotAfter().toInstant(), e.getMessage(), pause);
                    if (stopped.await(pause, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Renews now, whatever the time: stores the new certificate and tells the listener. */
    public synchronized ClusterTls renewNow() throws IOException {
        ClusterTls old = current.get();
        ClusterTls renewed = renew(manager, old);
        if (dir != null) {
            renewed.replace(dir);
        }
        current.set(renewed);
        LOG.info("renewed the cluster certificate: serial {} valid until {} (was {})", renewed.serial(),
                renewed.cert().getNotAfter().toInstant(), old.serial());
        if (onRenewed != null) {
            onRenewed.accept(renewed);
        }
        return renewed;
    }

    /** Asks the manager for a certificate for a new key, authenticating with {@code tls}; nothing is stored. */
    public static ClusterTls renew(HostPort manager, ClusterTls tls) throws IOException {
        KeyPair keys = Enrollment.newKeyPair();
        String cn = ClusterTls.commonName(tls.cert());
        byte[] body = Json.write(Json.object().put("csr", Pem.encode(Enrollment.csr(keys, cn))));
        String uri = "https://" + manager + PATH;
        ManagerClient.Answer response;
        try (ManagerClient client = new ManagerClient(manager, tls.managerClientContext(), TIMEOUT)) {
            response = client.post(PATH, body, TIMEOUT);
        } catch (IOException e) {
            throw new IOException(uri + ": " + e.getMessage(), e);
        }
        JsonNode answer;
        try {
            answer = Json.read(response.body());
        } catch (IOException e) {
            answer = Json.object();
        }
        if (response.status() != 200) {
            throw new RenewalRefusedException(response.status(), answer.path("message").asText(""));
        }
        X509Certificate cert = Pem.certificate(answer.path("certificate").asText(""));
        try {
            cert.verify(tls.ca().getPublicKey());
            cert.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new IOException("the renewed certificate is not a valid one from the cluster CA", e);
        }
        if (!ClusterTls.commonName(cert).equals(cn) || !cert.getPublicKey().equals(keys.getPublic())) {
            throw new IOException("the renewed certificate is not for this node's new key");
        }
        return new ClusterTls(keys.getPrivate(), cert, tls.ca());
    }

    /** The manager answered and refused (403 for a removed node or a revoked certificate). */
    public static final class RenewalRefusedException extends IOException {
        private final int status;

        RenewalRefusedException(int status, String message) {
            super("the manager refused to renew the certificate (" + status + "): " + message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    @Override
    public void close() {
        stopped.countDown();
    }
}
