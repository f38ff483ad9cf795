package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    @Test
    void secondsAndHttpDates() {
        assertEquals(3000, RetryAfter.millis("3"));
        assertEquals(-1, RetryAfter.millis(null));
        assertEquals(-1, RetryAfter.millis("soon"));
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));
        long ms = RetryAfter.millis(inTenSeconds);
        assertTrue(ms > 8000 && ms <= 10_000, "HTTP date 10 s ahead gave " + ms);
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(10));
        assertEquals(0, RetryAfter.millis(past));
    }
}
