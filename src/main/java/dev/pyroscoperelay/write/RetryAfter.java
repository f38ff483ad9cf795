package dev.pyroscoperelay.write;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Retry-After as seconds or as an HTTP date; -1 when absent or unreadable. */
final class RetryAfter {
    private RetryAfter() {}

    static long millis(String header) {
        if (header == null) {
            return -1;
        }
        String v = header.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? -1 : seconds * 1000;
        } catch (NumberFormatException ignored) {
            // an HTTP date
        }
        try {
            ZonedDateTime when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            return Math.max(
                    0, Duration.between(ZonedDateTime.now(when.getZone()), when).toMillis());
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
