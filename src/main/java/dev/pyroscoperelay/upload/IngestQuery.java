package dev.pyroscoperelay.upload;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The raw query string of an /ingest request. Every parameter is forwarded exactly as the client wrote it,
 * except {@code name}, which is replaced by the rewritten name, percent-encoded so that '+' and spaces survive.
 */
public final class IngestQuery {
    private final String rawQuery;
    private final int nameStart; // index of the first name=... parameter
    private final int nameEnd;
    private final IngestName name;

    private IngestQuery(String rawQuery, int nameStart, int nameEnd, IngestName name) {
        this.rawQuery = rawQuery;
        this.nameStart = nameStart;
        this.nameEnd = nameEnd;
        this.name = name;
    }

    /** The same query with another name (relabeled labels). */
    IngestQuery withName(IngestName newName) {
        return new IngestQuery(rawQuery, nameStart, nameEnd, newName);
    }

    public IngestName name() {
        return name;
    }

    public static IngestQuery parse(String rawQuery) {
        String q = rawQuery == null ? "" : rawQuery;
        int pos = 0;
        while (pos <= q.length()) {
            int amp = q.indexOf('&', pos);
            int end = amp < 0 ? q.length() : amp;
            int eq = q.indexOf('=', pos);
            int keyEnd = eq < 0 || eq > end ? end : eq;
            if (decode(q.substring(pos, keyEnd)).equals("name")) {
                String value = keyEnd < end ? q.substring(keyEnd + 1, end) : "";
                return new IngestQuery(q, pos, end, IngestName.parse(decode(value)));
            }
            if (amp < 0) {
                break;
            }
            pos = amp + 1;
        }
        throw new InvalidProfileException(
                "missing query parameter 'name' (expected ?name=<app>{label=value,...}&from=...&until=...)");
    }

    /** The query to send: the client's, with {@code name} rewritten under the given external labels. */
    public String rewrite(Map<String, String> externalLabels) {
        String encoded = URLEncoder.encode(name.rewrite(externalLabels), StandardCharsets.UTF_8)
                .replace("+", "%20");
        StringBuilder sb = new StringBuilder(rawQuery.length() + 32);
        sb.append(rawQuery, 0, nameStart).append("name=").append(encoded);
        // later duplicates of name are dropped: the server would read only the first one anyway
        int pos = nameEnd;
        while (pos < rawQuery.length()) {
            int next = rawQuery.indexOf('&', pos + 1);
            int end = next < 0 ? rawQuery.length() : next;
            String param = rawQuery.substring(pos + 1, end);
            int eq = param.indexOf('=');
            if (!decode(eq < 0 ? param : param.substring(0, eq)).equals("name")) {
                sb.append(rawQuery, pos, end);
            }
            pos = end;
        }
        return sb.toString();
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidProfileException("malformed percent-encoding in query: " + LabelLimits.abbreviate(s));
        }
    }
}
