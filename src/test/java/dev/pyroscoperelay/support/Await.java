package dev.pyroscoperelay.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition the test names, instead of a fixed sleep; fails with that name when it does not come. */
public final class Await {
    private Await() {}

    public static void until(String what, Duration limit, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
