package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.TlsRenewal;
import dev.pyroscoperelay.runtime.TlsVersions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import java.util.Set;

/**
 * A writer's TLS to an {@code https://} destination, as Alloy's {@code tls_config}: the CA to trust (or none checked),
 * a client certificate for destinations behind mTLS (PEM; PKCS#8, PKCS#1 or EC keys), the name to send (SNI) and to
 * check in the destination's certificate, and the oldest version allowed. Checked when the writer starts.
 */
record ClientTls(
        boolean insecureSkipVerify,
        String caFile,
        String certFile,
        String keyFile,
        String serverName,
        Set<String> protocols) {

    static ClientTls of(WriterParameters p) {
        boolean cert = set(p.tlsCertFile);
        boolean key = set(p.tlsKeyFile);
        if (cert != key) {
            throw new IllegalArgumentException("set both tlsCertFile and tlsKeyFile, or neither");
        }
        return new ClientTls(
                p.tlsInsecureSkipVerify,
                set(p.tlsCaFile)
                        ? AuthSettings.readable("tlsCaFile", p.tlsCaFile).toString()
                        : null,
                cert ? AuthSettings.readable("tlsCertFile", p.tlsCertFile).toString() : null,
                key ? AuthSettings.readable("tlsKeyFile", p.tlsKeyFile).toString() : null,
                set(p.tlsServerName) ? p.tlsServerName.trim() : null,
                TlsVersions.from("tlsMinVersion", p.tlsMinVersion));
    }

    /** Sets up a client for an https:// destination. */
    void applyTo(HttpClientOptions options) {
        SSLOptions ssl = sslOptions();
        options.setSsl(true)
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                // the server name is sent even when the URL's host is an IP address (Vert.x's default leaves it out)
                .setForceSni(serverName != null);
        if (insecureSkipVerify) {
            options.setTrustAll(true).setVerifyHost(false);
        } else if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
        if (ssl.getKeyCertOptions() != null) {
            options.setKeyCertOptions(ssl.getKeyCertOptions());
        }
    }

    /** Options that read the files again: for a client whose certificate was renewed. */
    SSLOptions sslOptions() {
        SSLOptions ssl = new SSLOptions().setEnabledSecureTransportProtocols(protocols);
        if (!insecureSkipVerify && caFile != null) {
            ssl.setTrustOptions(new PemTrustOptions().addCertPath(caFile));
        }
        if (certFile != null) {
            ssl.setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile));
        }
        return ssl;
    }

    /** Whether a file can be renewed (a client certificate or a CA): then the writer watches them. */
    boolean hasFiles() {
        return certFile != null || caFile != null;
    }

    String fingerprint() {
        return TlsRenewal.fingerprint(caFile, certFile, keyFile);
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }
}
