package dev.pyroscoperelay.upload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Outcomes of every writer that handled one request; filled concurrently by multicast branches. */
public final class WriteOutcomes {
    private final List<WriteOutcome> outcomes = new ArrayList<>(2);

    public synchronized void add(WriteOutcome outcome) {
        outcomes.add(outcome);
    }

    /** In route order (the order in which the writers were created). */
    public synchronized List<WriteOutcome> inRouteOrder() {
        List<WriteOutcome> copy = new ArrayList<>(outcomes);
        copy.sort(Comparator.comparingInt(WriteOutcome::writerOrder));
        return copy;
    }
}
