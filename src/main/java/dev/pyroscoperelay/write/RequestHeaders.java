package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import io.vertx.core.MultiMap;

/**
 * The headers a writer sends: the upload's own (Content-Type, Content-Encoding, its protocol's), the writer's
 * {@code headers}, Authorization, the tenant and the relay's User-Agent; nothing else of the client's.
 */
final class RequestHeaders {
    private RequestHeaders() {}

    static MultiMap of(
            WriterSettings settings, OutgoingRequest request, String authorization, String tenant, long timeoutMillis) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        if (request.contentType() != null) {
            h.set("Content-Type", request.contentType());
        }
        if (request.contentEncoding() != null) {
            h.set("Content-Encoding", request.contentEncoding());
        }
        request.protocolHeaders().forEach(h::set);
        if (request.protocolHeaders().containsKey("Connect-Protocol-Version")) {
            h.set("Connect-Timeout-Ms", Long.toString(timeoutMillis));
        }
        settings.headers().forEach(h::set);
        if (authorization != null) {
            h.set("Authorization", authorization);
        }
        if (tenant != null && !tenant.isEmpty()) {
            h.set(RelayNames.TENANT_HEADER, tenant);
        }
        h.set("User-Agent", RelayNames.USER_AGENT);
        return h;
    }
}
