package dev.pyroscoperelay.runtime;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs its tasks one after another, in order, on threads of another executor (the pattern of {@link Executor}'s own
 * documentation): a task sees everything the tasks before it did, so state touched only by these tasks needs no lock,
 * and no thread of its own is held between tasks.
 */
public final class SerialExecutor implements Executor {
    private final Executor threads;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor threads) {
        this.threads = threads;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        threads.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
    }
}
