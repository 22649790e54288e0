package dev.shoal.node.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager whose certificate can be replaced while the TLS context it sits in keeps serving: each handshake
 * picks the certificate current then (named by its serial, so a handshake that chose just before a switch still
 * gets the key and chain it chose). For servers that take their context once, like the JDK's HttpsServer, whose
 * configurator cannot change after it starts.
 */
public final class RenewableKeyManager extends X509ExtendedKeyManager {
    private record Identity(String alias, PrivateKey key, X509Certificate[] chain) { }

    private volatile Identity current;
    private volatile Identity previous;

    public RenewableKeyManager(ClusterTls tls) {
        use(tls);
    }

    /** New handshakes present {@code tls} from now on. */
    public synchronized void use(ClusterTls tls) {
        previous = current;
        current = new Identity("shoal-" + tls.serial(), tls.key(), new X509Certificate[] {tls.cert(), tls.ca()});
    }

    private String alias(String keyType) {
        Identity id = current;
        return keyType == null || keyType.equalsIgnoreCase(id.key().getAlgorithm()) ? id.alias() : null;
    }

    private String alias(String[] keyTypes) {
        if (keyTypes == null) {
            return current.alias();
        }
        for (String type : keyTypes) {
            String alias = alias(type);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    private Identity find(String alias) {
        Identity now = current;
        if (now.alias().equals(alias)) {
            return now;
        }
        Identity before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = alias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = alias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity id = find(alias);
        return id == null ? null : id.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity id = find(alias);
        return id == null ? null : id.key();
    }
}
