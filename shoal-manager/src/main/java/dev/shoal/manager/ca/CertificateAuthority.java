package dev.shoal.manager.ca;

import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The cluster CA: an EC P-256 key and a self-signed certificate valid for ten years, kept in {@code ca.key}
 * (0600) and {@code ca.pem}. It signs the manager's certificate and every node's.
 */
public final class CertificateAuthority {
    public static final Duration CA_VALIDITY = Duration.ofDays(3653);
    public static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final PrivateKey key;
    private final X509Certificate cert;
    private final Duration leafValidity;

    private CertificateAuthority(PrivateKey key, X509Certificate cert, Duration leafValidity) {
        this.key = key;
        this.cert = cert;
        this.leafValidity = leafValidity;
    }

    /** The CA kept in {@code dir}, or a new one written there; leaf certificates last {@link #LEAF_VALIDITY}. */
    public static CertificateAuthority loadOrCreate(Path dir) throws IOException {
        return loadOrCreate(dir, LEAF_VALIDITY);
    }

    /** The CA kept in {@code dir}, or a new one written there; the certificates it signs last {@code leafValidity}. */
    public static CertificateAuthority loadOrCreate(Path dir, Duration leafValidity) throws IOException {
        if (leafValidity.isNegative() || leafValidity.compareTo(Duration.ofSeconds(1)) < 0
                || leafValidity.compareTo(CA_VALIDITY) > 0) {
            throw new IllegalArgumentException("certificate validity must be between 1 s and the CA's "
                    + CA_VALIDITY.toDays() + " days, got " + leafValidity);
        }
        Path keyFile = dir.resolve("ca.key");
        Path certFile = dir.resolve("ca.pem");
        if (Files.isRegularFile(keyFile) && Files.isRegularFile(certFile)) {
            return new CertificateAuthority(Pem.privateKey(Pem.readFile(keyFile)), Pem.certificate(Pem.readFile(certFile)),
                    leafValidity);
        }
        Files.createDirectories(dir);
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=shoal-cluster-ca");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the CA certificate", e);
        }
        X509Certificate cert = sign(builder, keys.getPrivate());
        Pem.writePrivate(keyFile, Pem.encode(keys.getPrivate()));
        Pem.writePrivate(certFile, Pem.encode(cert));
        return new CertificateAuthority(keys.getPrivate(), cert, leafValidity);
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** How long the certificates this CA signs are valid. */
    public Duration leafValidity() {
        return leafValidity;
    }

    /** A new key and certificate for {@code commonName} with the given SANs (IP literals or DNS names). */
    public ClusterTls issue(String commonName, Collection<String> hosts) {
        KeyPair keys = newKeyPair();
        return new ClusterTls(keys.getPrivate(), sign(commonName, keys.getPublic(), hosts), cert);
    }

    /**
     * Signs a node's CSR: the subject becomes {@code CN=commonName} whatever the CSR asked for, the SANs are
     * {@code hosts}, the key usage serverAuth+clientAuth, valid for {@link #leafValidity()}.
     */
    public X509Certificate signCsr(PKCS10CertificationRequest csr, String commonName, Collection<String> hosts)
            throws GeneralSecurityException {
        try {
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo());
            if (!csr.isSignatureValid(verifier)) {
                throw new GeneralSecurityException("the CSR's signature is invalid");
            }
            PublicKey key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            if (!isP256(key)) {
                throw new GeneralSecurityException("the CSR's key must be EC P-256, got " + key.getAlgorithm()
                        + (key instanceof java.security.interfaces.ECPublicKey ec
                        ? " with a " + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve" : ""));
            }
            return sign(commonName, key, hosts);
        } catch (OperatorCreationException | PKCSException e) {
            throw new GeneralSecurityException("cannot verify the CSR: " + e.getMessage(), e);
        }
    }

    /** An EC key on NIST P-256 (secp256r1), the only key the cluster issues certificates for. */
    static boolean isP256(PublicKey key) {
        if (!(key instanceof java.security.interfaces.ECPublicKey ec)) {
            return false;
        }
        try {
            java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
            p.init(new java.security.spec.ECGenParameterSpec("secp256r1"));
            java.security.spec.ECParameterSpec want = p.getParameterSpec(java.security.spec.ECParameterSpec.class);
            var have = ec.getParams();
            return have.getCurve().equals(want.getCurve()) && have.getGenerator().equals(want.getGenerator())
                    && have.getOrder().equals(want.getOrder()) && have.getCofactor() == want.getCofactor();
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private X509Certificate sign(String commonName, PublicKey subjectKey, Collection<String> hosts) {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(cert, serial(),
                Date.from(now.minus(backdate())), Date.from(now.plus(leafValidity)),
                new X500Name("CN=" + commonName), subjectKey);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            if (!hosts.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(hosts));
            }
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a certificate for " + commonName, e);
        }
        return sign(builder, key);
    }

    /**
     * How far before now a leaf's validity starts (clocks a little behind still accept it): five minutes, but at
     * most a tenth of a short validity, so that a 90 s certificate is renewed after about a minute of use.
     */
    private Duration backdate() {
        Duration tenth = leafValidity.dividedBy(10);
        return tenth.compareTo(BACKDATE) < 0 ? tenth : BACKDATE;
    }

    private static GeneralNames subjectAltNames(Collection<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            names.add(new GeneralName(isIpLiteral(host) ? GeneralName.iPAddress : GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    static boolean isIpLiteral(String host) {
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;
        }
        try {
            InetAddress.getByName(host); // a literal: no lookup happens
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC key", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, new SecureRandom());
    }
}
