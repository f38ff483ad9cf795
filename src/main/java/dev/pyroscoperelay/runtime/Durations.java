package dev.pyroscoperelay.runtime;

/** Durations as users write them in Kamelet parameters: 500ms, 10s, 5m, 1h, or plain milliseconds. */
public final class Durations {
    private Durations() {}

    public static long parseMillis(String parameter, String text) {
        String s = text == null ? "" : text.trim();
        try {
            if (s.endsWith("ms")) {
                return nonNegative(
                        parameter, Long.parseLong(s.substring(0, s.length() - 2).trim()), text);
            }
            if (s.endsWith("s")) {
                return nonNegative(
                        parameter,
                        Math.round(Double.parseDouble(
                                        s.substring(0, s.length() - 1).trim())
                                * 1000),
                        text);
            }
            if (s.endsWith("m")) {
                return nonNegative(
                        parameter,
                        Math.round(Double.parseDouble(
                                        s.substring(0, s.length() - 1).trim())
                                * 60_000),
                        text);
            }
            if (s.endsWith("h")) {
                return nonNegative(
                        parameter,
                        Math.round(Double.parseDouble(
                                        s.substring(0, s.length() - 1).trim())
                                * 3_600_000),
                        text);
            }
            return nonNegative(parameter, Long.parseLong(s), text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    parameter + ": '" + text + "' is not a duration (use 500ms, 10s, 5m or 1h)");
        }
    }

    private static long nonNegative(String parameter, long value, String text) {
        if (value < 0) {
            throw new IllegalArgumentException(parameter + ": '" + text + "' is negative");
        }
        return value;
    }
}
