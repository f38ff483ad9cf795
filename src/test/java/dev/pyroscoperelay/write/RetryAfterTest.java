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
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));
        long ms = RetryAfter.millis(inTenSeconds);
        assertTrue(ms > 8000 && ms <= 10_000, "HTTP date 10 s ahead gave " + ms);
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(10));
        assertEquals(0, RetryAfter.millis(past));
    }

    @Test
    void backoffStaysWithinItsBounds() {
        Backoff b = new Backoff(100, 1000);
        for (int attempt = 1; attempt <= 12; attempt++) {
            long d = Math.min(1000, 100L << Math.min(30, attempt - 1));
            for (int i = 0; i < 50; i++) {
                long wait = b.delayAfter(attempt);
                assertTrue(wait >= d / 2 && wait <= d, "attempt " + attempt + " waited " + wait);
            }
        }
    }
}
