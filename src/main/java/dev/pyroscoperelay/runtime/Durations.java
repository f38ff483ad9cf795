package dev.pyroscoperelay.runtime;

/** Durations as users write them in Kamelet parameters: 500ms, 10s, 1.5s, 5m, 1h, or plain milliseconds. */
public final class Durations {
    /** Suffixes and their milliseconds; "ms" before "s" and "m", since it ends with both. */
    private static final String[] SUFFIXES = {"ms", "s", "m", "h"};

    private static final long[] MILLIS = {1, 1_000, 60_000, 3_600_000};

    private Durations() {}

    public static long parseMillis(String parameter, String text) {
        String s = text == null ? "" : text.trim();
        try {
            int unit = 0;
            while (unit < SUFFIXES.length && !s.endsWith(SUFFIXES[unit])) {
                unit++;
            }
            String number = unit == SUFFIXES.length ? s : s.substring(0, s.length() - SUFFIXES[unit].length());
            long millis = unit == SUFFIXES.length
                    ? Long.parseLong(number)
                    : Math.round(Double.parseDouble(number.trim()) * MILLIS[unit]);
            if (millis < 0) {
                throw new IllegalArgumentException(parameter + ": '" + text + "' is negative");
            }
            return millis;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    parameter + ": '" + text + "' is not a duration (use 500ms, 10s, 5m or 1h)");
        }
    }
}
