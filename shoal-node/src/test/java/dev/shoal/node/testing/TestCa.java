package dev.shoal.node.testing;

import dev.shoal.node.tls.ClusterTls;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA for tests (the real one lives in the manager). */
public final class TestCa {
    private final KeyPair keys = newKeyPair();
    private final X509Certificate cert;
    private long serial = 1;

    public TestCa(String name) {
        cert = build(new X500Name("CN=" + name), keys.getPublic(), new X500Name("CN=" + name), keys.getPrivate(), true,
                null);
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** A certificate for {@code commonName} (serverAuth + clientAuth, SAN IP 127.0.0.1) with a fresh key. */
    public ClusterTls issue(String commonName) {
        KeyPair leaf = newKeyPair();
        X509Certificate c = build(X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()), leaf.getPublic(),
                new X500Name("CN=" + commonName), keys.getPrivate(), false, "127.0.0.1");
        return new ClusterTls(leaf.getPrivate(), c, cert);
    }

    /** A certificate for what {@code csr} asks (its subject and key), as the manager's CA signs them. */
    public X509Certificate sign(org.bouncycastle.pkcs.PKCS10CertificationRequest csr) {
        try {
            java.security.PublicKey key = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(csr).getPublicKey();
            return build(X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()), key, csr.getSubject(),
                    keys.getPrivate(), false, "127.0.0.1");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate build(X500Name issuer, java.security.PublicKey subjectKey, X500Name subject,
                                  java.security.PrivateKey signer, boolean ca, String ip) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial++),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    subjectKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.iPAddress, ip)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
