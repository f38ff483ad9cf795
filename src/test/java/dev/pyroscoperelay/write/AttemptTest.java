package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How an attempt's answer or failure is classified. */
class AttemptTest {
    @ParameterizedTest(name = "HTTP {0} Retry-After {1} -> {2}, {3}")
    @CsvSource({
        "200, , OK, -1",
        "204, , OK, -1",
        "400, , REJECTED, -1",
        "404, , REJECTED, -1",
        "408, , SERVER_ERROR, -1",
        "429, 3, REJECTED, 3000",
        "429, , REJECTED, -1",
        "500, 3, SERVER_ERROR, -1",
        "502, , SERVER_ERROR, -1",
        "503, 2, SERVER_ERROR, 2000",
        "503, soon, SERVER_ERROR, -1",
    })
    void answers(int status, String retryAfter, Kind kind, long retryAfterMillis) {
        Attempt a = Attempt.answered(status, retryAfter, new byte[0]);
        assertEquals(kind, a.kind());
        assertEquals(status, a.status());
        assertEquals(retryAfterMillis, a.retryAfterMillis());
        assertEquals("HTTP " + status, a.detail());
    }

    @Test
    void detailHasAnExcerptOfTheAnswerOnOneLine() {
        byte[] body = ("line one\r\nline two\t" + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8);
        String detail = Attempt.answered(400, null, body).detail();
        assertEquals("HTTP 400: line one line two " + "x".repeat(300 - "line one\r\nline two\t".length()), detail);
    }

    @Test
    void failures() {
        assertEquals(Kind.TIMEOUT, Attempt.failed(new TimeoutException(), 10).kind());
        assertEquals(
                "timed out after 10 ms",
                Attempt.failed(new TimeoutException(), 10).detail());
        assertEquals(
                Kind.UNREACHABLE,
                Attempt.failed(new ConnectException("refused"), 10).kind());
        assertEquals(
                "cannot connect: nowhere",
                Attempt.failed(new UnknownHostException("nowhere"), 10).detail());
        assertEquals(
                Kind.UNREACHABLE, Attempt.failed(new IOException("reset"), 10).kind());
        assertEquals(0, Attempt.failed(new IOException("reset"), 10).status());
    }
}
