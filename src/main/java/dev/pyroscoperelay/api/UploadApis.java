package dev.pyroscoperelay.api;

import dev.pyroscoperelay.upload.UploadApi;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Every API a receiver serves. Adding one is a new {@link UploadApi} file and its line here. */
public final class UploadApis {
    private static final List<UploadApi> ALL = List.of(IngestApi.API, PushApi.API, OtlpApi.API, DebugInfoApi.API);

    private UploadApis() {}

    public static List<UploadApi> all() {
        return ALL;
    }

    /** The API served on an HTTP path or a gRPC method path; null when none is. */
    public static UploadApi forPath(String path) {
        for (UploadApi api : ALL) {
            if (api.serves(path)) {
                return api;
            }
        }
        return null;
    }

    /** The API of a request's path and query as a writer sends it (a stored profile keeps only that). */
    public static UploadApi forRequest(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return forPath(q < 0 ? pathAndQuery : pathAndQuery.substring(0, q));
    }

    /** The API of that name ({@link UploadApi#name()}, any case); null when none has it. */
    public static UploadApi forName(String name) {
        for (UploadApi api : ALL) {
            if (api.name().equals(name.toLowerCase(Locale.ROOT))) {
                return api;
            }
        }
        return null;
    }

    /** What a receiver serves over HTTP, for a 404. */
    public static String paths() {
        return ALL.stream().map(UploadApi::describe).collect(Collectors.joining(", "));
    }

    /** The gRPC methods a receiver serves, for UNIMPLEMENTED. */
    public static String grpcMethods() {
        return ALL.stream()
                .filter(a -> a.grpcPath() != null)
                .map(a -> a.grpcPath().substring(1))
                .collect(Collectors.joining(" and "));
    }
}
