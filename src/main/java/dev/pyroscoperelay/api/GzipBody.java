package dev.pyroscoperelay.api;

import dev.pyroscoperelay.upload.InvalidProfileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** The request message of an API the relay decodes (push, OTLP): the body, un-gzipped when it says so, size-limited. */
final class GzipBody {
    private GzipBody() {}

    /**
     * The body as sent (identity) or decompressed (gzip); a 413 once the decompressed bytes pass {@code max}, checked as
     * they come, so a small gzip bomb never grows past that.
     */
    static byte[] decode(byte[] body, String encoding, long max) {
        if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
            return body;
        }
        if (!encoding.trim().equalsIgnoreCase("gzip")) {
            throw new InvalidProfileException(
                    400, "unsupported Content-Encoding '" + encoding + "': use gzip or identity");
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            byte[] out = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (out.length > max) {
                throw new InvalidProfileException(
                        413, "decompressed request larger than the relay decodes (" + max + " bytes)");
            }
            return out;
        } catch (IOException e) {
            throw new InvalidProfileException("request body is not valid gzip: " + e.getMessage());
        }
    }
}
