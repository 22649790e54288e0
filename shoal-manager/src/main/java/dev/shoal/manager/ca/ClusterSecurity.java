package dev.shoal.manager.ca;

import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.JoinToken;
import dev.shoal.node.tls.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of the cluster's mutual TLS, kept under {@code DATA_DIR/ca/}: the CA, the manager's own
 * certificate ({@code manager/}) and the join token ({@code join-token}, 0600). All made on first start and
 * reused after.
 */
public final class ClusterSecurity implements java.io.Closeable {
    private static final Logger log = LoggerFactory.getLogger(ClusterSecurity.class);
    public static final String TOKEN_FILE = "join-token";

    private final CertificateAuthority ca;
    private final AtomicReference<ClusterTls> manager;
    private final JoinToken token;
    private final Path tokenFile;
    private final Path managerDir;
    private final Set<String> managerHosts;
    private final List<Consumer<ClusterTls>> renewalListeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread renewer;

    private ClusterSecurity(CertificateAuthority ca, ClusterTls manager, JoinToken token, Path tokenFile,
                            Path managerDir, Set<String> managerHosts) {
        this.ca = ca;
        this.manager = new AtomicReference<>(manager);
        this.token = token;
        this.tokenFile = tokenFile;
        this.managerDir = managerDir;
        this.managerHosts = managerHosts;
    }

    /** Loads or creates everything under {@code dataDir/ca}; the manager's SANs cover {@code clusterListen}. */
    public static ClusterSecurity loadOrCreate(Path dataDir, InetSocketAddress clusterListen) throws IOException {
        return loadOrCreate(dataDir, clusterListen, CertificateAuthority.LEAF_VALIDITY);
    }

    /**
     * Loads or creates everything under {@code dataDir/ca}; the manager's SANs cover {@code clusterListen}, and the
     * certificates issued from now on (the manager's and nodes') last {@code certValidity}.
     */
    public static ClusterSecurity loadOrCreate(Path dataDir, InetSocketAddress clusterListen, Duration certValidity)
            throws IOException {
        Path dir = dataDir.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, certValidity);
        Set<String> hosts = managerHosts(clusterListen);
        ClusterTls manager = loadOrIssueManager(dir.resolve("manager"), ca, hosts);
        Path tokenFile = dir.resolve(TOKEN_FILE);
        JoinToken token;
        if (Files.isRegularFile(tokenFile)) {
            token = JoinToken.parse(Files.readString(tokenFile));
        } else {
            token = JoinToken.create(ca.certificate());
            Pem.writePrivate(tokenFile, token.text() + "\n");
        }
        if (!token.caDigest().equals(JoinToken.digest(ca.certificate()))) {
            throw new IOException(tokenFile + " belongs to another CA than " + dir.resolve("ca.pem"));
        }
        log.info("cluster CA ready in {}; nodes join with the token in {}", dir, tokenFile);
        return new ClusterSecurity(ca, manager, token, tokenFile, dir.resolve("manager"), hosts);
    }

    /** Tells {@code listener} each renewed manager certificate (to switch the contexts that present it). */
    public void onManagerRenewed(Consumer<ClusterTls> listener) {
        renewalListeners.add(listener);
    }

    /**
     * Renews the manager's certificate whenever a third of its lifetime is left, on a virtual thread until
     * {@link #close()}: a new key, signed by the CA for the same SANs, stored in place of the old one, then handed
     * to the listeners.
     */
    public ClusterSecurity startRenewing() {
        renewer = Thread.ofVirtual().name("manager-certificate-renewal").start(() -> {
            try {
                while (stopped.getCount() > 0) {
                    long wait = Duration.between(Instant.now(), manager.get().renewAt()).toMillis();
                    if (wait > 0) {
                        if (stopped.await(wait, TimeUnit.MILLISECONDS)) {
                            return;
                        }
                        continue;
                    }
                    try {
                        renewManagerNow();
                    } catch (IOException | RuntimeException e) {
                        log.warn("cannot renew the manager's certificate: {}; trying again in 1 s", e.toString());
                        if (stopped.await(1, TimeUnit.SECONDS)) {
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return this;
    }

    /** Issues the manager a new certificate now, stores it and tells the listeners. */
    public synchronized ClusterTls renewManagerNow() throws IOException {
        ClusterTls old = manager.get();
        ClusterTls renewed = ca.issue(ClusterTls.MANAGER_CN, managerHosts);
        renewed.replace(managerDir);
        manager.set(renewed);
        log.info("renewed the manager's certificate: serial {} valid until {} (was {})", renewed.serial(),
                renewed.cert().getNotAfter().toInstant(), old.serial());
        for (Consumer<ClusterTls> listener : renewalListeners) {
            try {
                listener.accept(renewed);
            } catch (RuntimeException e) {
                log.error("a context did not take the renewed manager certificate: {}", e.toString());
            }
        }
        return renewed;
    }

    /** Stops renewing. */
    @Override
    public void close() {
        stopped.countDown();
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The manager's certificate and key now (it changes on renewal): server on the cluster port, client towards nodes. */
    public ClusterTls manager() {
        return manager.get();
    }

    public JoinToken token() {
        return token;
    }

    public Path tokenFile() {
        return tokenFile;
    }

    private static ClusterTls loadOrIssueManager(Path dir, CertificateAuthority ca, Set<String> hosts)
            throws IOException {
        if (ClusterTls.existsIn(dir)) {
            ClusterTls kept = ClusterTls.load(dir);
            if (kept.ca().equals(ca.certificate()) && sansOf(kept.cert()).containsAll(hosts)
                    && kept.renewAt().isAfter(Instant.now())
                    && !kept.cert().getNotAfter().toInstant().isAfter(Instant.now().plus(ca.leafValidity()))) {
                return kept;
            }
        }
        ClusterTls issued = ca.issue(ClusterTls.MANAGER_CN, hosts);
        issued.replace(dir);
        return issued;
    }

    /** The cluster-listen IP (all local addresses when it is a wildcard), plus loopback and localhost. */
    static Set<String> managerHosts(InetSocketAddress clusterListen) {
        Set<String> hosts = new LinkedHashSet<>();
        InetAddress address = clusterListen.getAddress();
        if (address != null && address.isAnyLocalAddress()) {
            hosts.addAll(localAddresses());
        } else if (address != null) {
            hosts.add(address.getHostAddress());
        } else {
            hosts.add(clusterListen.getHostString());
        }
        hosts.add("127.0.0.1");
        hosts.add("localhost");
        return hosts;
    }

    private static List<String> localAddresses() {
        try {
            return NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof java.net.Inet4Address)
                    .map(InetAddress::getHostAddress)
                    .toList();
        } catch (SocketException e) {
            return List.of();
        }
    }

    static Set<String> sansOf(X509Certificate cert) {
        Set<String> names = new HashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                sans.forEach(entry -> names.add(String.valueOf(entry.get(1))));
            }
        } catch (CertificateParsingException e) {
            return names;
        }
        return names;
    }
}
