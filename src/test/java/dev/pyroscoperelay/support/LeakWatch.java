package dev.pyroscoperelay.support;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's paranoid leak detection for an in-process test: every buffer is tracked, and a buffer collected without
 * being released is reported to this watch (as Netty would log "LEAK: ...").
 */
public final class LeakWatch implements AutoCloseable {
    private static final String LEVEL_PROPERTY = "io.netty.leakDetection.level";
    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    private final ResourceLeakDetector<ByteBuf> detector;
    private final List<String> reports = new ArrayList<>();

    private LeakWatch() throws ReflectiveOperationException {
        // the detector every Netty buffer reports to (package-private in Netty)
        Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        ResourceLeakDetector<ByteBuf> d = (ResourceLeakDetector<ByteBuf>) f.get(null);
        detector = d;
        detector.setLeakListener((type, records) -> {
            synchronized (reports) {
                reports.add("LEAK: a " + type + " was collected without release\n" + records);
            }
        });
        // Vert.x turns leak detection off when it first loads unless this property is set
        System.setProperty(LEVEL_PROPERTY, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    public static LeakWatch start() throws ReflectiveOperationException {
        return new LeakWatch();
    }

    /**
     * Collects garbage and allocates tracked buffers (Netty looks for collected, unreleased buffers when it tracks a
     * new one). Returns what it reported, empty when nothing leaked.
     */
    public String leaks() throws InterruptedException {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("leak detection was turned to " + ResourceLeakDetector.getLevel());
        }
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(100);
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        synchronized (reports) {
            return String.join("\n", reports);
        }
    }

    @Override
    public void close() {
        ResourceLeakDetector.setLevel(before);
        detector.setLeakListener(null);
    }
}
