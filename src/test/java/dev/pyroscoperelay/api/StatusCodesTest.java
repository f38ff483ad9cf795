package dev.pyroscoperelay.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.grpc.common.GrpcStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusCodesTest {
    @ParameterizedTest
    @CsvSource({
        "400, invalid_argument, 400, 3", "401, unauthenticated, 401, 16", "403, permission_denied, 403, 7",
        "404, not_found, 404, 5", "408, deadline_exceeded, 504, 4", "413, resource_exhausted, 429, 8",
        "429, resource_exhausted, 429, 8", "415, failed_precondition, 400, 9", "502, unavailable, 503, 14",
        "503, unavailable, 503, 14", "504, deadline_exceeded, 504, 4", "500, internal, 500, 13"
    })
    void httpStatusToCodeAndBack(int status, String connectName, int connectStatus, int grpcNumber) {
        GrpcStatus code = StatusCodes.forHttp(status);
        assertEquals(connectName, StatusCodes.connectName(code));
        assertEquals(connectStatus, StatusCodes.httpOf(code));
        assertEquals(grpcNumber, code.code);
    }

    @Test
    void canceledIsSpelledAsConnectSpellsIt() {
        assertEquals("canceled", StatusCodes.connectName(GrpcStatus.CANCELLED));
        assertEquals(499, StatusCodes.httpOf(GrpcStatus.CANCELLED));
    }

    @Test
    void errorBodiesAreJsonWithTheMessageEscaped() {
        assertEquals(
                "{\"code\":\"internal\",\"message\":\"a \\\"b\\\"\\nc\\\\d\\u0001\"}",
                new String(
                        StatusCodes.connectError(GrpcStatus.INTERNAL, " a \"b\"\nc\\d\u0001 "),
                        StandardCharsets.UTF_8));
        assertEquals(
                "{\"code\":14,\"message\":\"down\"}",
                new String(StatusCodes.statusJson(GrpcStatus.UNAVAILABLE, "down\n"), StandardCharsets.UTF_8));
    }
}
