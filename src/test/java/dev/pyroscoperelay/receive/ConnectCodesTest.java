package dev.pyroscoperelay.receive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Connect codes (connectrpc.com/docs/protocol#error-codes) and the /ingest status for a failed writer. */
class ConnectCodesTest {
    @ParameterizedTest
    @CsvSource({
        "400, invalid_argument, 400", "401, unauthenticated, 401", "403, permission_denied, 403",
        "404, not_found, 404", "408, deadline_exceeded, 504", "413, resource_exhausted, 429",
        "429, resource_exhausted, 429", "415, failed_precondition, 400", "502, unavailable, 503",
        "503, unavailable, 503", "504, deadline_exceeded, 504", "500, internal, 500"
    })
    void statusToCodeAndBack(int status, String code, int statusOfCode) {
        assertEquals(code, ConnectCodes.forStatus(status));
        assertEquals(statusOfCode, ConnectCodes.statusOf(code));
    }

    @ParameterizedTest(name = "{0} {1}: push {2}, ingest {3}")
    @CsvSource({
        "TIMEOUT, 0, deadline_exceeded, 504",
        "SERVER_ERROR, 500, unavailable, 502",
        "SERVER_ERROR, 503, unavailable, 503",
        "UNREACHABLE, 0, unavailable, 502",
        "REJECTED, 400, invalid_argument, 400",
        "REJECTED, 429, resource_exhausted, 429",
        "REJECTED, 401, unauthenticated, 401",
        "INVALID, 400, invalid_argument, 400",
        "INVALID, 0, unavailable, 502"
    })
    void failedWriter(Kind kind, int status, String pushCode, int ingestStatus) {
        WriteOutcome o = new WriteOutcome("w", 1, kind, status, 1, "d");
        assertEquals(pushCode, ConnectCodes.forOutcome(o));
        assertEquals(ingestStatus, ClientAnswer.statusFor(o));
    }

    @Test
    void errorJsonEscapes() {
        assertEquals(
                "{\"code\":\"internal\",\"message\":\"a \\\"b\\\"\\nc\\\\d\\u0001\"}",
                ConnectCodes.errorJson("internal", " a \"b\"\nc\\d\u0001 "));
    }
}
