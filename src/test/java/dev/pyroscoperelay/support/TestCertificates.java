package dev.pyroscoperelay.support;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Self-signed certificates made with the JDK's keytool, written as PEM (certificate, PKCS#8 key) and PKCS#12. */
public final class TestCertificates {
    private static final char[] PASSWORD = "changeit".toCharArray();

    /** One certificate and its key. */
    public record Pair(Path p12, Path certPem, Path keyPem) {
        /** An SSLContext that presents this certificate (a client certificate for mTLS). */
        public KeyManagerFactory keyManagers() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD);
            return kmf;
        }

        public X509Certificate certificate() throws Exception {
            try (InputStream in = Files.newInputStream(certPem)) {
                return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
        }
    }

    private TestCertificates() {}

    /** A certificate for CN=cn, valid for localhost and 127.0.0.1, in dir as name.p12, name.crt and name.key. */
    public static Pair create(Path dir, String name, String cn) throws Exception {
        return create(dir, name, cn, "dns:localhost,ip:127.0.0.1");
    }

    /** A certificate for CN=cn valid for the names of {@code san} (keytool's form: dns:a,ip:1.2.3.4). */
    public static Pair create(Path dir, String name, String cn, String san) throws Exception {
        Path p12 = dir.resolve(name + ".p12");
        Files.deleteIfExists(p12);
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "key",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-validity",
                        "2",
                        "-dname",
                        "CN=" + cn,
                        "-ext",
                        "SAN=" + san,
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        p12.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASSWORD);
        }
        Certificate cert = ks.getCertificate("key");
        PrivateKey key = (PrivateKey) ks.getKey("key", PASSWORD);
        Path certPem = dir.resolve(name + ".crt");
        Path keyPem = dir.resolve(name + ".key");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new Pair(p12, certPem, keyPem);
    }

    /** A client context that trusts only the given certificate and, when client is set, presents it. */
    public static SSLContext context(Pair trusted, Pair client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", trusted.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(client == null ? null : client.keyManagers().getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    /** The pair's RSA key as PKCS#1 PEM ("RSA PRIVATE KEY", as openssl's older tools write it), in {@code file}. */
    public static Path pkcs1Key(Pair pair, Path file) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pair.p12())) {
            ks.load(in, PASSWORD);
        }
        byte[] pkcs8 = ks.getKey("key", PASSWORD).getEncoded();
        // PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING (the PKCS#1 RSAPrivateKey) }
        int i = skipHeader(pkcs8, 0); // into the SEQUENCE
        i = next(pkcs8, i); // past version
        i = next(pkcs8, i); // past algorithm
        int start = skipHeader(pkcs8, i);
        byte[] pkcs1 = java.util.Arrays.copyOfRange(pkcs8, start, next(pkcs8, i));
        Files.writeString(file, pem("RSA PRIVATE KEY", pkcs1));
        return file;
    }

    /** Where the content of the DER element at {@code i} starts. */
    private static int skipHeader(byte[] der, int i) {
        int len = der[i + 1] & 0xff;
        return i + 2 + (len < 0x80 ? 0 : len & 0x7f);
    }

    /** Where the DER element after the one at {@code i} starts. */
    private static int next(byte[] der, int i) {
        int len = der[i + 1] & 0xff;
        int length = len;
        if (len >= 0x80) {
            length = 0;
            for (int k = 0; k < (len & 0x7f); k++) {
                length = (length << 8) | (der[i + 2 + k] & 0xff);
            }
        }
        return skipHeader(der, i) + length;
    }

    /** The subject a TLS server on loopback {@code port} shows a new connection, or "" when the handshake failed. */
    public static String servedSubject(int port) throws Exception {
        SSLContext any = SSLContext.getInstance("TLS");
        any.init(
                null,
                new javax.net.ssl.TrustManager[] {
                    new javax.net.ssl.X509TrustManager() {
                        @Override
                        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

                        @Override
                        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                            return new java.security.cert.X509Certificate[0];
                        }
                    }
                },
                null);
        try (javax.net.ssl.SSLSocket s =
                (javax.net.ssl.SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
        } catch (javax.net.ssl.SSLException e) {
            return "";
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
