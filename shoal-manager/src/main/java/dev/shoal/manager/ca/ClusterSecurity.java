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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of the cluster's mutual TLS, kept under {@code DATA_DIR/ca/}: the CA, the manager's own
 * certificate ({@code manager/}) and the join token ({@code join-token}, 0600). All made on first start and
 * reused after.
 */
public final class ClusterSecurity {
    private static final Logger log = LoggerFactory.getLogger(ClusterSecurity.class);
    public static final String TOKEN_FILE = "join-token";

    private final CertificateAuthority ca;
    private final ClusterTls manager;
    private final JoinToken token;
    private final Path tokenFile;

    private ClusterSecurity(CertificateAuthority ca, ClusterTls manager, JoinToken token, Path tokenFile) {
        this.ca = ca;
        this.manager = manager;
        this.token = token;
        this.tokenFile = tokenFile;
    }

    /** Loads or creates everything under {@code dataDir/ca}; the manager's SANs cover {@code clusterListen}. */
    public static ClusterSecurity loadOrCreate(Path dataDir, InetSocketAddress clusterListen) throws IOException {
        Path dir = dataDir.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir);
        ClusterTls manager = loadOrIssueManager(dir.resolve("manager"), ca, managerHosts(clusterListen));
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
        return new ClusterSecurity(ca, manager, token, tokenFile);
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The manager's certificate and key: server on the cluster port, client towards nodes. */
    public ClusterTls manager() {
        return manager;
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
            if (kept.ca().equals(ca.certificate()) && sansOf(kept.cert()).containsAll(hosts)) {
                return kept;
            }
        }
        ClusterTls issued = ca.issue(ClusterTls.MANAGER_CN, hosts);
        issued.save(dir);
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
