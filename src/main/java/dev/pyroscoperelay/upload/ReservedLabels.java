package dev.pyroscoperelay.upload;

/**
 * Labels whose names start with {@code __} belong to relabel rules (as in Prometheus and Pyroscope), not to the
 * profile: the one rule of what a destination gets.
 */
public final class ReservedLabels {
    private ReservedLabels() {}

    /**
     * Whether a series label is left out of what /ingest and push send: every {@code __} label but Pyroscope's own
     * {@code __name__} (the profile type) and {@code __delta__}.
     */
    public static boolean leftOutOfSeries(String name) {
        return isReserved(name) && !name.equals("__name__") && !name.equals("__delta__");
    }

    /** Whether a label is for rules only; an OTLP resource gets none of them as attributes. */
    public static boolean isReserved(String name) {
        return name.startsWith("__");
    }
}
