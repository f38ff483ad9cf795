package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.TlsRenewal;
import dev.pyroscoperelay.runtime.TlsVersions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * HTTPS on a receiver (Alloy's {@code http > tls} block): a PEM certificate chain and key, and optionally client
 * certificates that must chain to {@code clientCaFile} (mTLS). The files are watched: a renewed certificate is served
 * to new connections without a restart.
 */
record ReceiverTls(
        String certFile,
        String keyFile,
        String clientCaFile,
        ClientAuth clientAuth,
        Set<String> protocols,
        Set<String> cipherSuites) {

    /** Checks the parameters together; null when TLS is off (no certificate). */
    static ReceiverTls of(
            String certFile,
            String keyFile,
            String clientCaFile,
            String clientAuth,
            String minVersion,
            String cipherSuites) {
        Set<String> protocols = TlsVersions.from("pyroscope-receive: tlsMinVersion", minVersion);
        Set<String> suites = TlsVersions.cipherSuites("pyroscope-receive: tlsCipherSuites", cipherSuites);
        boolean cert = isSet(certFile);
        boolean key = isSet(keyFile);
        ClientAuth auth = clientAuth(clientAuth);
        if (cert != key) {
            throw new IllegalArgumentException("pyroscope-receive: set both tlsCertFile and tlsKeyFile, or neither");
        }
        if (!cert) {
            if (isSet(clientCaFile) || auth != ClientAuth.NONE) {
                throw new IllegalArgumentException(
                        "pyroscope-receive: tlsClientCaFile and tlsClientAuth need tlsCertFile and tlsKeyFile");
            }
            return null;
        }
        if (auth != ClientAuth.NONE && !isSet(clientCaFile)) {
            throw new IllegalArgumentException(
                    "pyroscope-receive: tlsClientAuth " + clientAuth.trim() + " needs tlsClientCaFile");
        }
        for (String f : new String[] {certFile, keyFile, clientCaFile}) {
            if (isSet(f) && !Files.isReadable(Path.of(f.trim()))) {
                throw new IllegalArgumentException("pyroscope-receive: cannot read TLS file " + f.trim());
            }
        }
        return new ReceiverTls(
                certFile.trim(),
                keyFile.trim(),
                isSet(clientCaFile) ? clientCaFile.trim() : null,
                auth,
                protocols,
                suites);
    }

    private static ClientAuth clientAuth(String value) {
        String v = isSet(value) ? value.trim().toLowerCase(Locale.ROOT) : "none";
        return switch (v) {
            case "none" -> ClientAuth.NONE;
            case "request" -> ClientAuth.REQUEST;
            case "require" -> ClientAuth.REQUIRED;
            default ->
                throw new IllegalArgumentException(
                        "pyroscope-receive: tlsClientAuth must be none, request or require, got '" + value + "'");
        };
    }

    void applyTo(HttpServerOptions options) {
        // HTTP/2 (h2) or HTTP/1.1, as the client offers in the TLS handshake (ALPN)
        options.setSsl(true)
                .setClientAuth(clientAuth)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
        SSLOptions ssl = sslOptions();
        options.setKeyCertOptions(ssl.getKeyCertOptions());
        options.setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
        ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
    }

    /** Options that read the files again: for a server whose certificate was renewed. */
    SSLOptions sslOptions() {
        SSLOptions ssl = new SSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile))
                .setEnabledSecureTransportProtocols(protocols);
        cipherSuites.forEach(ssl::addEnabledCipherSuite);
        if (clientCaFile != null) {
            ssl.setTrustOptions(new PemTrustOptions().addCertPath(clientCaFile));
        }
        return ssl;
    }

    /** A fingerprint of the files' modification times and sizes: it changes when one is replaced. */
    String fingerprint() {
        return TlsRenewal.fingerprint(certFile, keyFile, clientCaFile);
    }

    private static boolean isSet(String s) {
        return s != null && !s.isBlank();
    }
}
