package dev.pyroscoperelay.runtime;

import java.util.Locale;

/** Sizes as users write them: 512MiB, 4GiB, 64KiB, 1MB, or a plain number of bytes. */
public final class ByteSizes {
    private static final String[] SUFFIXES = {"kib", "mib", "gib", "kb", "mb", "gb", "k", "m", "g", "b"};
    private static final long[] FACTORS = {
        1L << 10, 1L << 20, 1L << 30, 1_000L, 1_000_000L, 1_000_000_000L, 1L << 10, 1L << 20, 1L << 30, 1
    };

    private ByteSizes() {}

    public static long parse(String parameter, String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            for (int i = 0; i < SUFFIXES.length; i++) {
                if (s.endsWith(SUFFIXES[i])) {
                    return checked(
                            parameter,
                            text,
                            Math.round(Double.parseDouble(s.substring(0, s.length() - SUFFIXES[i].length())
                                            .trim())
                                    * FACTORS[i]));
                }
            }
            return checked(parameter, text, Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    parameter + ": '" + text + "' is not a size (use 512MiB, 4GiB or a number of bytes)");
        }
    }

    private static long checked(String parameter, String text, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(parameter + ": '" + text + "' is negative");
        }
        return value;
    }
}
