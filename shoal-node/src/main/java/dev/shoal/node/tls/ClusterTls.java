package dev.shoal.node.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One party's identity in the cluster's mutual TLS: its key, its certificate and the cluster CA, which is
 * the only issuer it trusts. Stored as {@code key.pem}, {@code cert.pem} and {@code ca.pem} in one directory.
 */
public record ClusterTls(PrivateKey key, X509Certificate cert, X509Certificate ca) {
    public static final String PROTOCOL = "TLSv1.3";
    public static final String MANAGER_CN = "shoal-manager";
    private static final char[] NO_PASSWORD = new char[0];

    public static boolean existsIn(Path dir) {
        recover(dir);
        return complete(dir);
    }

    private static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve("key.pem")) && Files.isRegularFile(dir.resolve("cert.pem"))
                && Files.isRegularFile(dir.resolve("ca.pem"));
    }

    public static ClusterTls load(Path dir) throws IOException {
        recover(dir);
        return new ClusterTls(Pem.privateKey(Pem.readFile(dir.resolve("key.pem"))),
                Pem.certificate(Pem.readFile(dir.resolve("cert.pem"))),
                Pem.certificate(Pem.readFile(dir.resolve("ca.pem"))));
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Pem.writePrivate(dir.resolve("ca.pem"), Pem.encode(ca));
        Pem.writePrivate(dir.resolve("cert.pem"), Pem.encode(cert));
        Pem.writePrivate(dir.resolve("key.pem"), Pem.encode(key));
    }

    /**
     * Replaces what {@code dir} holds with this identity so that a crash at any point leaves one whole identity,
     * old or new, never a key of one and a certificate of the other: the new files are written to
     * {@code DIR.next}, then {@code DIR} is renamed {@code DIR.old}, {@code DIR.next} renamed {@code DIR}, and
     * {@code DIR.old} deleted. {@link #load} finishes or undoes a replacement a crash interrupted.
     */
    public void replace(Path dir) throws IOException {
        Path next = sibling(dir, ".next");
        Path old = sibling(dir, ".old");
        deleteTree(next);
        save(next);
        deleteTree(old);
        if (Files.isDirectory(dir)) {
            Files.move(dir, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(next, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** Finishes or undoes a {@link #replace} that stopped half-way. */
    private static void recover(Path dir) {
        Path next = sibling(dir, ".next");
        Path old = sibling(dir, ".old");
        try {
            if (!Files.exists(dir)) {
                if (complete(next)) {
                    Files.move(next, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } else if (complete(old)) {
                    Files.move(old, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            if (complete(dir)) {
                deleteTree(next);
                deleteTree(old);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot recover the certificate in " + dir, e);
        }
    }

    private static Path sibling(Path dir, String suffix) {
        Path abs = dir.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + suffix);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** The instant when a third of the certificate's lifetime is left: it is renewed from then on. */
    public java.time.Instant renewAt() {
        long from = cert.getNotBefore().getTime();
        long to = cert.getNotAfter().getTime();
        return java.time.Instant.ofEpochMilli(to - (to - from) / 3);
    }

    /** The certificate's serial number in hex, as the manager records it. */
    public String serial() {
        return cert.getSerialNumber().toString(16);
    }

    /** A TLS 1.3 context presenting this certificate (with the CA in its chain) and trusting only the CA. */
    public SSLContext sslContext() {
        return sslContext(trustOnlyCa());
    }

    /** A TLS 1.3 context presenting this certificate and trusting what {@code trust} says. */
    public SSLContext sslContext(TrustManager trust) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", key, NO_PASSWORD, new Certificate[] {cert, ca});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, NO_PASSWORD);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(kmf.getKeyManagers(), new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS 1.3 context for talking to the manager: presents this certificate and trusts a server only with a
     * certificate from the CA whose CN is {@link #MANAGER_CN} (another node's certificate is refused).
     */
    public SSLContext managerContext() {
        return sslContext(new ManagerTrust(trustOnlyCa()));
    }

    /**
     * The agent's TLS 1.3 client context toward the manager on Netty (BoringSSL where it loads): presents this
     * certificate and trusts only the manager's (see {@link #managerContext()}, its JDK counterpart).
     */
    public SslContext managerClientContext() {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(nettyProvider())
                    .keyManager(key, cert, ca)
                    .trustManager(new ManagerTrust(trustOnlyCa()))
                    .protocols(PROTOCOL)
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /** Netty's OpenSSL (BoringSSL) provider where its native library loads, else the JDK's. */
    public static SslProvider nettyProvider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A TLS 1.3 context presenting what {@code keys} holds at each handshake and trusting what {@code trust} says. */
    public static SSLContext sslContext(RenewableKeyManager keys, TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(new javax.net.ssl.KeyManager[] {keys}, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /** Validates chains against the CA alone (no system roots). */
    public X509TrustManager trustOnlyCa() {
        return trusting(ca);
    }

    /** A PKIX trust manager whose only anchor is {@code anchor}. */
    public static X509TrustManager trusting(X509Certificate anchor) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", anchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build trust manager: " + e.getMessage(), e);
        }
    }

    /** The subject's CN, or "" when it has none. */
    public static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return "";
        }
        return "";
    }
}
