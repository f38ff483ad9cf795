package dev.pyroscoperelay.runtime;

import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;

/** Alloy's TLS settings in JSSE's terms: {@code min_version} (TLS10..TLS13) and {@code cipher_suites} (IANA names). */
public final class TlsVersions {
    private static final List<String> ORDER = List.of("TLS10", "TLS11", "TLS12", "TLS13");
    private static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    private TlsVersions() {}

    /** The protocols from {@code minVersion} up; {@code parameter} names it in the error. */
    public static Set<String> from(String parameter, String minVersion) {
        String v = minVersion == null ? "TLS12" : minVersion.trim().toUpperCase(Locale.ROOT);
        int i = ORDER.indexOf(v);
        if (i < 0) {
            throw new IllegalArgumentException(
                    parameter + " must be one of " + String.join(", ", ORDER) + ", got '" + minVersion + "'");
        }
        return new LinkedHashSet<>(PROTOCOLS.subList(i, PROTOCOLS.size()));
    }

    /** Comma-separated IANA cipher suite names, each one this JVM supports; empty for the JVM's defaults. */
    public static Set<String> cipherSuites(String parameter, String names) {
        Set<String> suites = new LinkedHashSet<>();
        if (names == null || names.isBlank()) {
            return suites;
        }
        Set<String> supported;
        try {
            supported =
                    Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String name : names.split(",")) {
            String n = name.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (!supported.contains(n)) {
                throw new IllegalArgumentException(parameter + ": this JVM does not support the cipher suite " + n);
            }
            suites.add(n);
        }
        return suites;
    }
}
