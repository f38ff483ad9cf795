package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.KameletStepComponent;

/**
 * The parameters of one {@code kamelet:pyroscope-write} as the Kamelet sets them, before any check; unset ones keep
 * {@link WriterDefaults}. {@link WriterSettings#of} checks them together when the writer starts.
 */
public final class WriterParameters implements KameletStepComponent.Parameters {
    String url;
    String name;
    String remoteTimeout = WriterDefaults.REMOTE_TIMEOUT;
    String headers;
    String basicAuthUsername;
    String basicAuthPassword;
    String basicAuthPasswordFile;
    String bearerToken;
    String bearerTokenFile;
    String tenantId;
    String minBackoffPeriod = WriterDefaults.MIN_BACKOFF_PERIOD;
    String maxBackoffPeriod = WriterDefaults.MAX_BACKOFF_PERIOD;
    int maxBackoffRetries = WriterDefaults.MAX_BACKOFF_RETRIES;
    boolean retryOnHttp429 = WriterDefaults.RETRY_ON_HTTP_429;
    boolean tlsInsecureSkipVerify = WriterDefaults.TLS_INSECURE_SKIP_VERIFY;
    String tlsCaFile;
    String proxyUrl;
    int maxConnections = WriterDefaults.MAX_CONNECTIONS;
    String bufferPath;
    String bufferMaxSize = WriterDefaults.BUFFER_MAX_SIZE;
    String bufferMaxAge = WriterDefaults.BUFFER_MAX_AGE;
    String bufferWhenFull = WriterDefaults.BUFFER_WHEN_FULL;
    String authorizationType;
    String authorizationCredentials;
    String authorizationCredentialsFile;
    String oauth2ClientId;
    String oauth2ClientSecret;
    String oauth2ClientSecretFile;
    String oauth2TokenUrl;
    String oauth2Scopes;
    String oauth2EndpointParams;
    String tlsCertFile;
    String tlsKeyFile;
    String tlsServerName;
    String tlsMinVersion = WriterDefaults.TLS_MIN_VERSION;
    String noProxy;
    String proxyConnectHeaders;
    boolean proxyFromEnvironment = WriterDefaults.PROXY_FROM_ENVIRONMENT;
    boolean followRedirects = WriterDefaults.FOLLOW_REDIRECTS;
    boolean enableHttp2 = WriterDefaults.ENABLE_HTTP2;
    boolean debugInfo = WriterDefaults.DEBUG_INFO;
    String debugInfoUploadTimeout = WriterDefaults.DEBUG_INFO_UPLOAD_TIMEOUT;
    /** Set by the Kamelet: the route that calls this writer, the default name. */
    String parentRouteId;

    public void setUrl(String url) {
        this.url = url;
    }

    public void setName(String name) {
        this.name = name;
    }

    public void setRemoteTimeout(String remoteTimeout) {
        this.remoteTimeout = remoteTimeout;
    }

    public void setHeaders(String headers) {
        this.headers = headers;
    }

    public void setBasicAuthUsername(String basicAuthUsername) {
        this.basicAuthUsername = basicAuthUsername;
    }

    public void setBasicAuthPassword(String basicAuthPassword) {
        this.basicAuthPassword = basicAuthPassword;
    }

    public void setBasicAuthPasswordFile(String basicAuthPasswordFile) {
        this.basicAuthPasswordFile = basicAuthPasswordFile;
    }

    public void setBearerToken(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    public void setBearerTokenFile(String bearerTokenFile) {
        this.bearerTokenFile = bearerTokenFile;
    }

    public void setTenantId(String tenantId) {
        this.tenantId = tenantId;
    }

    public void setMinBackoffPeriod(String minBackoffPeriod) {
        this.minBackoffPeriod = minBackoffPeriod;
    }

    public void setMaxBackoffPeriod(String maxBackoffPeriod) {
        this.maxBackoffPeriod = maxBackoffPeriod;
    }

    public void setMaxBackoffRetries(int maxBackoffRetries) {
        this.maxBackoffRetries = maxBackoffRetries;
    }

    public void setRetryOnHttp429(boolean retryOnHttp429) {
        this.retryOnHttp429 = retryOnHttp429;
    }

    public void setTlsInsecureSkipVerify(boolean tlsInsecureSkipVerify) {
        this.tlsInsecureSkipVerify = tlsInsecureSkipVerify;
    }

    public void setTlsCaFile(String tlsCaFile) {
        this.tlsCaFile = tlsCaFile;
    }

    public void setProxyUrl(String proxyUrl) {
        this.proxyUrl = proxyUrl;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public void setBufferPath(String bufferPath) {
        this.bufferPath = bufferPath;
    }

    public void setBufferMaxSize(String bufferMaxSize) {
        this.bufferMaxSize = bufferMaxSize;
    }

    public void setBufferMaxAge(String bufferMaxAge) {
        this.bufferMaxAge = bufferMaxAge;
    }

    public void setBufferWhenFull(String bufferWhenFull) {
        this.bufferWhenFull = bufferWhenFull;
    }

    public void setDebugInfo(boolean debugInfo) {
        this.debugInfo = debugInfo;
    }

    public void setDebugInfoUploadTimeout(String debugInfoUploadTimeout) {
        this.debugInfoUploadTimeout = debugInfoUploadTimeout;
    }

    public void setParentRouteId(String parentRouteId) {
        this.parentRouteId = parentRouteId;
    }

    public void setAuthorizationType(String authorizationType) {
        this.authorizationType = authorizationType;
    }

    public void setAuthorizationCredentials(String authorizationCredentials) {
        this.authorizationCredentials = authorizationCredentials;
    }

    public void setAuthorizationCredentialsFile(String authorizationCredentialsFile) {
        this.authorizationCredentialsFile = authorizationCredentialsFile;
    }

    public void setOauth2ClientId(String oauth2ClientId) {
        this.oauth2ClientId = oauth2ClientId;
    }

    public void setOauth2ClientSecret(String oauth2ClientSecret) {
        this.oauth2ClientSecret = oauth2ClientSecret;
    }

    public void setOauth2ClientSecretFile(String oauth2ClientSecretFile) {
        this.oauth2ClientSecretFile = oauth2ClientSecretFile;
    }

    public void setOauth2TokenUrl(String oauth2TokenUrl) {
        this.oauth2TokenUrl = oauth2TokenUrl;
    }

    public void setOauth2Scopes(String oauth2Scopes) {
        this.oauth2Scopes = oauth2Scopes;
    }

    public void setOauth2EndpointParams(String oauth2EndpointParams) {
        this.oauth2EndpointParams = oauth2EndpointParams;
    }

    public void setTlsCertFile(String tlsCertFile) {
        this.tlsCertFile = tlsCertFile;
    }

    public void setTlsKeyFile(String tlsKeyFile) {
        this.tlsKeyFile = tlsKeyFile;
    }

    public void setTlsServerName(String tlsServerName) {
        this.tlsServerName = tlsServerName;
    }

    public void setTlsMinVersion(String tlsMinVersion) {
        this.tlsMinVersion = tlsMinVersion;
    }

    public void setNoProxy(String noProxy) {
        this.noProxy = noProxy;
    }

    public void setProxyConnectHeaders(String proxyConnectHeaders) {
        this.proxyConnectHeaders = proxyConnectHeaders;
    }

    public void setProxyFromEnvironment(boolean proxyFromEnvironment) {
        this.proxyFromEnvironment = proxyFromEnvironment;
    }

    public void setFollowRedirects(boolean followRedirects) {
        this.followRedirects = followRedirects;
    }

    public void setEnableHttp2(boolean enableHttp2) {
        this.enableHttp2 = enableHttp2;
    }
}
