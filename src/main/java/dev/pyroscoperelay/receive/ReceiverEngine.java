package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.UserRouteId;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;

/**
 * A platform-http engine bound to one address and port. platform-http 4.18 serves every endpoint on one port;
 * each {@code kamelet:pyroscope-receive} gets its own engine (a Kamelet bean) and so its own listener.
 */
public class ReceiverEngine implements PlatformHttpEngine, CamelContextAware {
    private CamelContext camelContext;
    private String listenAddress = ReceiverDefaults.LISTEN_ADDRESS;
    private int listenPort = ReceiverDefaults.LISTEN_PORT;
    private long maxBodySize = ReceiverDefaults.MAX_BODY_SIZE;
    private int workerThreads = ReceiverDefaults.WORKER_THREADS;
    private long readTimeoutMillis = Durations.parseMillis("readTimeout", ReceiverDefaults.READ_TIMEOUT);
    private long idleTimeoutMillis = Durations.parseMillis("idleTimeout", ReceiverDefaults.IDLE_TIMEOUT);
    private int maxConnections = ReceiverDefaults.MAX_CONNECTIONS;
    private String tlsCertFile;
    private String tlsKeyFile;
    private String tlsClientCaFile;
    private String tlsClientAuth = ReceiverDefaults.TLS_CLIENT_AUTH;
    private boolean h2c = ReceiverDefaults.H2C;
    private long debugInfoUploadTimeoutMillis =
            Durations.parseMillis("debugInfoUploadTimeout", ReceiverDefaults.DEBUG_INFO_UPLOAD_TIMEOUT);
    private String tlsMinVersion = ReceiverDefaults.TLS_MIN_VERSION;
    private String tlsCipherSuites;
    private String receiverName;

    public ReceiverEngine() {}

    /**
     * The Kamelet's form (a {@code #class:} with arguments, since a template bean breaks on a user's route id): every
     * parameter as text written {@code =value} (Camel's argument parser drops an empty argument), an empty value
     * meaning not set, checked by the setters.
     */
    public ReceiverEngine(
            String listenAddress,
            String listenPort,
            String maxBodySize,
            String workerThreads,
            String readTimeout,
            String idleTimeout,
            String maxConnections,
            String tlsCertFile,
            String tlsKeyFile,
            String tlsClientCaFile,
            String tlsClientAuth,
            String h2c,
            String receiverName,
            String debugInfoUploadTimeout,
            String tlsMinVersion,
            String tlsCipherSuites) {
        setListenAddress(arg(listenAddress));
        setListenPort(integer("listenPort", arg(listenPort)));
        setMaxBodySize(number("maxBodySize", arg(maxBodySize)));
        setWorkerThreads(integer("workerThreads", arg(workerThreads)));
        setReadTimeout(arg(readTimeout));
        setIdleTimeout(arg(idleTimeout));
        setMaxConnections(integer("maxConnections", arg(maxConnections)));
        setTlsCertFile(blankAsNull(arg(tlsCertFile)));
        setTlsKeyFile(blankAsNull(arg(tlsKeyFile)));
        setTlsClientCaFile(blankAsNull(arg(tlsClientCaFile)));
        setTlsClientAuth(arg(tlsClientAuth));
        setH2c(Boolean.parseBoolean(arg(h2c).trim()));
        setReceiverName(blankAsNull(arg(receiverName)));
        setDebugInfoUploadTimeout(arg(debugInfoUploadTimeout));
        setTlsMinVersion(blankAsNull(arg(tlsMinVersion)));
        setTlsCipherSuites(blankAsNull(arg(tlsCipherSuites)));
    }

    private static String arg(String written) {
        return written.startsWith("=") ? written.substring(1) : written;
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "pyroscope-receive: " + name + " must be a whole number, not '" + value + "'");
        }
    }

    private static int integer(String name, String value) {
        long n = number(name, value);
        if (n != (int) n) {
            throw new IllegalArgumentException("pyroscope-receive: " + name + " is out of range: " + value);
        }
        return (int) n;
    }

    private static String blankAsNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        if (camelContext == null) {
            camelContext = endpoint.getCamelContext(); // made by #class: with arguments, which injects nothing
        }
        ReceiverServer server = ReceiverServers.of(camelContext)
                .get(
                        listenAddress,
                        listenPort,
                        new ReceiverServer.Limits(
                                workerThreads,
                                idleTimeoutMillis,
                                maxConnections,
                                readTimeoutMillis,
                                ReceiverTls.of(
                                        tlsCertFile,
                                        tlsKeyFile,
                                        tlsClientCaFile,
                                        tlsClientAuth,
                                        tlsMinVersion,
                                        tlsCipherSuites),
                                h2c));
        RelayMetrics.Receiver metrics = RelayMetrics.of(camelContext).receiver(receiverName());
        RawBodyHandler bodies = new RawBodyHandler(
                maxBodySize, readTimeoutMillis, debugInfoUploadTimeoutMillis, BodyBudget.of(camelContext), metrics);
        return new ReceiverConsumer(endpoint, processor, server, bodies, metrics);
    }

    @Override
    public int getServerPort() {
        return listenPort;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    String receiverName() {
        return receiverName == null || receiverName.isBlank()
                ? listenAddress + ":" + listenPort
                : UserRouteId.of(camelContext, receiverName);
    }

    /** Name in metrics and logs; the Kamelet sets it to the id of the route that uses the receiver. */
    public void setReceiverName(String receiverName) {
        this.receiverName = receiverName;
    }

    public String getListenAddress() {
        return listenAddress;
    }

    public void setListenAddress(String listenAddress) {
        this.listenAddress = listenAddress;
    }

    public int getListenPort() {
        return listenPort;
    }

    public void setListenPort(int listenPort) {
        this.listenPort = listenPort;
    }

    public long getMaxBodySize() {
        return maxBodySize;
    }

    public void setMaxBodySize(long maxBodySize) {
        if (maxBodySize <= 0 || maxBodySize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "maxBodySize must be between 1 and " + (Integer.MAX_VALUE - 8) + " bytes");
        }
        this.maxBodySize = maxBodySize;
    }

    public int getWorkerThreads() {
        return workerThreads;
    }

    public void setWorkerThreads(int workerThreads) {
        this.workerThreads = workerThreads;
    }

    /** A request (headers and body) must have arrived within this: 408 and the connection closed otherwise. */
    public void setReadTimeout(String readTimeout) {
        long millis = Durations.parseMillis("readTimeout", readTimeout);
        if (millis <= 0) {
            throw new IllegalArgumentException("pyroscope-receive: readTimeout must be positive");
        }
        this.readTimeoutMillis = millis;
    }

    /** A keep-alive connection with no request in progress is closed after this. */
    public void setIdleTimeout(String idleTimeout) {
        long millis = Durations.parseMillis("idleTimeout", idleTimeout);
        if (millis <= 0) {
            throw new IllegalArgumentException("pyroscope-receive: idleTimeout must be positive");
        }
        this.idleTimeoutMillis = millis;
    }

    /** Open connections on this receiver at most; further ones are closed at once. */
    public void setMaxConnections(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("pyroscope-receive: maxConnections must be at least 1");
        }
        this.maxConnections = maxConnections;
    }

    public void setTlsCertFile(String tlsCertFile) {
        this.tlsCertFile = tlsCertFile;
    }

    public void setTlsKeyFile(String tlsKeyFile) {
        this.tlsKeyFile = tlsKeyFile;
    }

    public void setTlsClientCaFile(String tlsClientCaFile) {
        this.tlsClientCaFile = tlsClientCaFile;
    }

    public void setTlsClientAuth(String tlsClientAuth) {
        this.tlsClientAuth = tlsClientAuth;
    }

    /** Alloy's debug_info_upload_timeout: the time a debug-info upload (body and destination) may take. */
    public void setDebugInfoUploadTimeout(String duration) {
        long millis = Durations.parseMillis("debugInfoUploadTimeout", duration);
        if (millis <= 0) {
            throw new IllegalArgumentException("pyroscope-receive: debugInfoUploadTimeout must be positive");
        }
        this.debugInfoUploadTimeoutMillis = millis;
    }

    public void setTlsMinVersion(String tlsMinVersion) {
        this.tlsMinVersion = tlsMinVersion == null ? ReceiverDefaults.TLS_MIN_VERSION : tlsMinVersion;
    }

    public void setTlsCipherSuites(String tlsCipherSuites) {
        this.tlsCipherSuites = tlsCipherSuites;
    }

    public void setH2c(boolean h2c) {
        this.h2c = h2c;
    }
}
