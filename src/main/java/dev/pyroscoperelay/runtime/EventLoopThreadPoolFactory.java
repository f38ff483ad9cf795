package dev.pyroscoperelay.runtime;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.DefaultThreadPoolFactory;

/**
 * Camel's thread pools, except that a task submitted from one of the relay's event loops runs at once on that loop.
 * A route started by a receiver with {@code workerThreads: 0} runs on the event loop and must not block anyway; the
 * writers only start their requests, so a {@code parallelProcessing} multicast still sends to every destination at
 * the same time, without waking a pool thread per branch (bench/: about 5 context switches per request saved).
 */
public final class EventLoopThreadPoolFactory extends DefaultThreadPoolFactory {
    /** The relay Vert.x of the factory's context; null until Camel gives the factory its context. */
    private volatile RelayVertx relay;

    /** As a bean of a host's configuration ({@code camel.beans.threadPoolFactory = #class:...}): Camel sets the context. */
    public EventLoopThreadPoolFactory() {}

    /** For the thread pools of {@code context}: inline on the event loops of that context's relay. */
    public EventLoopThreadPoolFactory(CamelContext context) {
        setCamelContext(context);
    }

    @Override
    public void setCamelContext(CamelContext context) {
        super.setCamelContext(context);
        this.relay = context == null ? null : RelayVertx.of(context);
    }

    /** Whether the calling thread is an event loop of this factory's context's relay. */
    private boolean onRelayEventLoop() {
        RelayVertx r = relay;
        return r != null && r.onEventLoop();
    }

    /**
     * A pool whose threads are named with this (a {@code threads} step's {@code threadName}) is for blocking work and
     * is never run inline: the Kafka sink's send, which can wait for the topic's metadata.
     */
    public static final String BLOCKING = "blocking";

    @Override
    public ExecutorService newThreadPool(ThreadPoolProfile profile, ThreadFactory factory) {
        ExecutorService pool = super.newThreadPool(profile, factory);
        return forBlockingWork(factory) ? pool : new InlineOnEventLoop(pool, this::onRelayEventLoop);
    }

    /** The name of a thread the factory makes (the thread is not started). */
    private static boolean forBlockingWork(ThreadFactory factory) {
        return factory != null && factory.newThread(() -> {}).getName().contains(BLOCKING);
    }

    @Override
    public ExecutorService newCachedThreadPool(ThreadFactory factory) {
        return new InlineOnEventLoop(super.newCachedThreadPool(factory), this::onRelayEventLoop);
    }

    private static final class InlineOnEventLoop extends AbstractExecutorService {
        private final ExecutorService pool;
        private final java.util.function.BooleanSupplier onEventLoop;

        InlineOnEventLoop(ExecutorService pool, java.util.function.BooleanSupplier onEventLoop) {
            this.pool = pool;
            this.onEventLoop = onEventLoop;
        }

        @Override
        public void execute(Runnable task) {
            if (onEventLoop.getAsBoolean()) {
                task.run();
            } else {
                pool.execute(task);
            }
        }

        @Override
        public void shutdown() {
            pool.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return pool.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }

        @Override
        public String toString() {
            return "InlineOnEventLoop[" + pool + "]";
        }
    }
}
