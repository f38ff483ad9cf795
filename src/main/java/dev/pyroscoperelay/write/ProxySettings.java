package dev.pyroscoperelay.write;

import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Which HTTP proxy a writer's requests go through, as Alloy's {@code proxy_url}, {@code no_proxy},
 * {@code proxy_from_environment} and {@code proxy_connect_header}: an explicit {@code proxyUrl} is used for every
 * destination not in {@code noProxy}, loopback ones included (the JVM's habit of bypassing localhost does not apply);
 * the environment ({@code HTTP_PROXY}, {@code HTTPS_PROXY}, {@code NO_PROXY}, upper case first, then lower case) is
 * read as Go's {@code http.ProxyFromEnvironment} reads it, which never proxies localhost and loopback addresses.
 */
record ProxySettings(
        URI proxyUrl, List<NoProxy> noProxy, URI httpProxy, URI httpsProxy, String username, String password) {
    static final ProxySettings NONE = new ProxySettings(null, List.of(), null, null, null, null);

    /** One {@code noProxy} entry: {@code *}, an IP, a CIDR, a domain (and its subdomains), {@code .domain}. */
    record NoProxy(String host, int port, byte[] network, int prefix) {
        boolean matches(String target, int targetPort) {
            if (port > 0 && port != targetPort) {
                return false;
            }
            if (host.equals("*")) {
                return true;
            }
            if (network != null) {
                byte[] ip = literalIp(target);
                return ip != null && ip.length == network.length && inPrefix(ip, network, prefix);
            }
            String t = target.toLowerCase(Locale.ROOT);
            if (host.startsWith(".")) {
                return t.endsWith(host);
            }
            return t.equals(host) || t.endsWith("." + host);
        }
    }

    /** From the writer's parameters and the process environment ({@code env}: System::getenv, or a test's map). */
    static ProxySettings of(WriterParameters p, UnaryOperator<String> env) {
        boolean explicit = set(p.proxyUrl);
        if (explicit && p.proxyFromEnvironment) {
            throw new IllegalArgumentException("set proxyUrl or proxyFromEnvironment, not both");
        }
        if (!explicit && !p.proxyFromEnvironment) {
            if (set(p.noProxy) || set(p.proxyConnectHeaders)) {
                throw new IllegalArgumentException(
                        "noProxy and proxyConnectHeaders need proxyUrl or proxyFromEnvironment");
            }
            return NONE;
        }
        String[] credentials = connectCredentials(p.proxyConnectHeaders);
        if (explicit) {
            URI proxy = proxyUri("proxyUrl", p.proxyUrl, false);
            if (proxy.getRawUserInfo() != null && credentials == null) {
                credentials = userInfo(proxy);
            }
            return new ProxySettings(
                    proxy, noProxy("noProxy", p.noProxy), null, null, user(credentials), pass(credentials));
        }
        String http = first(env, "HTTP_PROXY", "http_proxy");
        String https = first(env, "HTTPS_PROXY", "https_proxy");
        String no = set(p.noProxy) ? p.noProxy : first(env, "NO_PROXY", "no_proxy");
        URI httpProxy = set(http) ? proxyUri("HTTP_PROXY", http, true) : null;
        URI httpsProxy = set(https) ? proxyUri("HTTPS_PROXY", https, true) : null;
        if (credentials == null && httpsProxy != null && httpsProxy.getRawUserInfo() != null) {
            credentials = userInfo(httpsProxy);
        } else if (credentials == null && httpProxy != null && httpProxy.getRawUserInfo() != null) {
            credentials = userInfo(httpProxy);
        }
        return new ProxySettings(
                null, noProxy("NO_PROXY", no), httpProxy, httpsProxy, user(credentials), pass(credentials));
    }

    /** The proxy for a request to {@code host:port} over http or https, or null to go direct. */
    ProxyOptions forTarget(boolean https, String host, int port) {
        URI proxy = proxyUrl != null ? proxyUrl : https ? httpsProxy : httpProxy;
        if (proxy == null) {
            return null;
        }
        if (proxyUrl == null && isLoopback(host)) {
            return null; // as Go's ProxyFromEnvironment
        }
        for (NoProxy n : noProxy) {
            if (n.matches(host, port)) {
                return null;
            }
        }
        ProxyOptions options = new ProxyOptions()
                .setType(ProxyType.HTTP)
                .setHost(proxy.getHost())
                .setPort(proxy.getPort() < 0 ? 80 : proxy.getPort());
        if (username != null) {
            options.setUsername(username).setPassword(password);
        }
        return options;
    }

    private static URI proxyUri(String parameter, String value, boolean fromEnvironment) {
        String v = value.trim();
        // as Go: an environment value without a scheme is http://
        if (!v.contains("://")) {
            if (!fromEnvironment) {
                throw new IllegalArgumentException("'" + parameter + "' needs a scheme: http://host:port");
            }
            v = "http://" + v;
        }
        URI uri;
        try {
            uri = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + parameter + "' is not a URL");
        }
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("'" + parameter + "' needs a scheme: http://host:port");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "'" + parameter + "' must be an http:// URL with a host, got '" + WriterSettings.safeUrl(uri) + "'"
                            + (uri.getScheme().equalsIgnoreCase("https")
                                    ? " (a proxy reached over TLS is not supported)"
                                    : ""));
        }
        return uri;
    }

    /**
     * {@code proxyConnectHeaders}: Vert.x's CONNECT carries no header of ours but the proxy's basic credentials, so
     * only {@code Proxy-Authorization: Basic ...} is taken (as the proxy's user and password); any other is refused.
     */
    private static String[] connectCredentials(String spec) {
        if (!set(spec)) {
            return null;
        }
        Map<String, String> headers = WriterSettings.headerList("proxyConnectHeaders", spec);
        String[] credentials = null;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (!h.getKey().equalsIgnoreCase("Proxy-Authorization")
                    || !h.getValue().regionMatches(true, 0, "Basic ", 0, 6)) {
                throw new IllegalArgumentException("proxyConnectHeaders can carry only 'Proxy-Authorization: Basic "
                        + "...' (the proxy's credentials), not " + h.getKey());
            }
            String decoded;
            try {
                decoded = new String(
                        Base64.getDecoder().decode(h.getValue().substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("proxyConnectHeaders: Proxy-Authorization is not Basic base64");
            }
            int colon = decoded.indexOf(':');
            credentials = new String[] {
                colon < 0 ? decoded : decoded.substring(0, colon), colon < 0 ? "" : decoded.substring(colon + 1)
            };
        }
        return credentials;
    }

    private static String[] userInfo(URI proxy) {
        String info = proxy.getRawUserInfo();
        int colon = info.indexOf(':');
        String user = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
        String pass = colon < 0 ? "" : URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
        return new String[] {user, pass};
    }

    private static List<NoProxy> noProxy(String parameter, String spec) {
        List<NoProxy> entries = new ArrayList<>();
        if (!set(spec)) {
            return entries;
        }
        for (String raw : spec.split(",")) {
            String e = raw.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.equals("*")) {
                entries.add(new NoProxy("*", 0, null, 0));
                continue;
            }
            int slash = e.indexOf('/');
            if (slash > 0) {
                byte[] net = literalIp(e.substring(0, slash));
                int prefix;
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException x) {
                    prefix = -1;
                }
                if (net == null || prefix < 0 || prefix > net.length * 8) {
                    throw new IllegalArgumentException(parameter + ": '" + raw.trim() + "' is not a CIDR");
                }
                entries.add(new NoProxy(e, 0, net, prefix));
                continue;
            }
            byte[] ip = literalIp(e.startsWith("[") ? e.substring(1, Math.max(1, e.indexOf(']'))) : e);
            if (ip != null) {
                entries.add(new NoProxy(e, 0, ip, ip.length * 8));
                continue;
            }
            int port = 0;
            int colon = e.lastIndexOf(':');
            if (colon > 0 && e.indexOf(':') == colon) {
                try {
                    port = Integer.parseInt(e.substring(colon + 1));
                    e = e.substring(0, colon);
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(parameter + ": '" + raw.trim() + "' has no port number");
                }
                byte[] hostIp = literalIp(e);
                if (hostIp != null) {
                    entries.add(new NoProxy(e, port, hostIp, hostIp.length * 8));
                    continue;
                }
            }
            entries.add(new NoProxy(e, port, null, 0));
        }
        return entries;
    }

    /** The bytes of an IP address written as such (never a DNS lookup), or null. */
    static byte[] literalIp(String s) {
        String h = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(h).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static boolean inPrefix(byte[] ip, byte[] net, int prefix) {
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((ip[bit / 8] & mask) != (net[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        byte[] ip = literalIp(host);
        try {
            return ip != null && InetAddress.getByAddress(ip).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String first(UnaryOperator<String> env, String upper, String lower) {
        String v = env.apply(upper);
        return set(v) ? v : env.apply(lower);
    }

    private static String user(String[] c) {
        return c == null ? null : c[0];
    }

    private static String pass(String[] c) {
        return c == null ? null : c[1];
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }

    /** Never the proxy's credentials. */
    @Override
    public String toString() {
        return "ProxySettings[" + (proxyUrl != null ? WriterSettings.safeUrl(proxyUrl) : "environment") + "]";
    }
}
