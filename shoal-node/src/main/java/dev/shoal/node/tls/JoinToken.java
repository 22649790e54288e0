package dev.shoal.node.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code SHOAL-1-<sha256 of the CA certificate, hex>-<secret>}: the digest lets a joining node pin the
 * cluster CA before it trusts anything; the secret proves to the manager that the node may join.
 * {@link #toString()} never shows the secret.
 */
public record JoinToken(String caDigest, String secret) {
    private static final Pattern FORMAT = Pattern.compile("SHOAL-1-([0-9a-f]{64})-([0-9a-zA-Z]{32})");
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** Parses a token; the exception message never repeats the token. */
    public static JoinToken parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("malformed join token: want SHOAL-1-<64 hex>-<32 characters>");
        }
        return new JoinToken(m.group(1), m.group(2));
    }

    /** A new token for {@code ca} with a fresh random secret. */
    public static JoinToken create(X509Certificate ca) {
        SecureRandom random = new SecureRandom();
        StringBuilder secret = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return new JoinToken(digest(ca), secret.toString());
    }

    /** Lower-case hex sha256 of the certificate's DER encoding. */
    public static String digest(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest certificate", e);
        }
    }

    /** Constant-time comparison of the whole token with {@code other}. */
    public boolean matches(JoinToken other) {
        return other != null && MessageDigest.isEqual(text().getBytes(), other.text().getBytes());
    }

    /** The full secret token text: for the token file only. */
    public String text() {
        return "SHOAL-1-" + caDigest + "-" + secret;
    }

    @Override public String toString() {
        return "JoinToken[ca sha256 " + caDigest + ", secret hidden]";
    }
}
