package dev.pyroscoperelay.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;

/**
 * The relay's Prometheus metrics, in the MeterRegistry that camel-micrometer-prometheus serves on the management
 * port (Micrometer's global registry when an embedding application has none).
 */
public final class RelayMetrics {
    private static final String REGISTRY_NAME = "pyroscope-relay-metrics";

    private final MeterRegistry registry;

    private RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static RelayMetrics of(CamelContext context) {
        if (context == null) {
            return new RelayMetrics(Metrics.globalRegistry);
        }
        synchronized (context) {
            RelayMetrics existing = context.getRegistry().lookupByNameAndType(REGISTRY_NAME, RelayMetrics.class);
            if (existing != null) {
                return existing;
            }
            MeterRegistry found = CamelContextHelper.findSingleByType(context, MeterRegistry.class);
            RelayMetrics created = new RelayMetrics(found != null ? found : Metrics.globalRegistry);
            context.getRegistry().bind(REGISTRY_NAME, RelayMetrics.class, created);
            return created;
        }
    }

    /** Request body bytes held now, in memory and in temporary files, against their limits. */
    public void bodies(LongSupplier memory, long memoryLimit, LongSupplier disk, long diskLimit) {
        bytesGauge("pyroscope.relay.body.memory", "Request body bytes held in memory", memory);
        bytesGauge("pyroscope.relay.body.memory.limit", "Request body bytes held in memory at most", () -> memoryLimit);
        bytesGauge("pyroscope.relay.body.disk", "Request body bytes held in temporary files", disk);
        bytesGauge(
                "pyroscope.relay.body.disk.limit",
                "Request body bytes held in temporary files at most",
                () -> diskLimit);
    }

    private void bytesGauge(String name, String description, LongSupplier value) {
        Gauge.builder(name, value::getAsLong)
                .description(description)
                .baseUnit("bytes")
                .register(registry);
    }

    /** Kafka records the write tier skipped: {@code reason} foreign (not ours), invalid, or rejected by a writer. */
    public void kafkaSkipped(String reason) {
        Counter.builder("pyroscope.relay.kafka.skipped.records")
                .description("Kafka records the write tier skipped (not ours, invalid, or refused without retry)")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** Series and uploads that the relabel step of a route dropped. */
    public void relabelDropped(String route, int series, boolean wholeUpload) {
        Counter.builder("pyroscope.relay.relabel.dropped.series")
                .description("Series dropped by relabel rules")
                .tag("route", route)
                .register(registry)
                .increment(series);
        Counter upload = Counter.builder("pyroscope.relay.relabel.dropped.uploads")
                .description("Uploads of which relabel rules left nothing")
                .tag("route", route)
                .register(registry);
        if (wholeUpload) {
            upload.increment();
        }
    }

    public Receiver receiver(String name) {
        return new Receiver(name);
    }

    public Writer writer(String name) {
        return new Writer(name);
    }

    /** Metrics of one pyroscope-receive. */
    public final class Receiver {
        private final String name;
        private final Counter bytes;
        private final java.util.concurrent.ConcurrentHashMap<String, Counter> requests =
                new java.util.concurrent.ConcurrentHashMap<>();

        Receiver(String name) {
            this.name = name;
            this.bytes = Counter.builder("pyroscope.relay.received.bytes")
                    .description("Request body bytes received")
                    .baseUnit("bytes")
                    .tag("receiver", name)
                    .register(registry);
        }

        public void request(String api, int status) {
            requests.computeIfAbsent(
                            api + status,
                            k -> Counter.builder("pyroscope.relay.received.requests")
                                    .description("Requests answered, by API and status")
                                    .tags("receiver", name, "api", api, "status", Integer.toString(status))
                                    .register(registry))
                    .increment();
        }

        public void bytes(long n) {
            bytes.increment(n);
        }
    }

    /** Metrics of one pyroscope-write. */
    public final class Writer {
        private final String name;
        private final Counter sentBytes;
        private final Counter sentProfiles;
        private final Counter retries;
        private final Timer latency;

        Writer(String name) {
            this.name = name;
            sentBytes = Counter.builder("pyroscope.relay.write.sent.bytes")
                    .description("Bytes accepted by the destination")
                    .baseUnit("bytes")
                    .tag("writer", name)
                    .register(registry);
            sentProfiles = Counter.builder("pyroscope.relay.write.sent.profiles")
                    .description("Profiles accepted by the destination")
                    .tag("writer", name)
                    .register(registry);
            retries = Counter.builder("pyroscope.relay.write.retries")
                    .description("Attempts after the first")
                    .tag("writer", name)
                    .register(registry);
            latency = Timer.builder("pyroscope.relay.write.latency")
                    .description("Duration of one attempt")
                    .tag("writer", name)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry);
        }

        public void sent(long bytes, int profiles) {
            sentBytes.increment(bytes);
            sentProfiles.increment(profiles);
        }

        // registered once, on first use
        private final java.util.concurrent.ConcurrentHashMap<String, Counter[]> dropped =
                new java.util.concurrent.ConcurrentHashMap<>();
        private volatile Counter stored;

        public void dropped(String reason, long bytes, int profiles) {
            Counter[] c = dropped.computeIfAbsent(reason, r -> new Counter[] {
                Counter.builder("pyroscope.relay.write.dropped.bytes")
                        .description("Bytes a destination did not take")
                        .baseUnit("bytes")
                        .tags("writer", name, "reason", r)
                        .register(registry),
                Counter.builder("pyroscope.relay.write.dropped.profiles")
                        .description("Profiles a destination did not take")
                        .tags("writer", name, "reason", r)
                        .register(registry)
            });
            c[0].increment(bytes);
            c[1].increment(profiles);
        }

        private final java.util.concurrent.ConcurrentHashMap<String, Counter> debugInfo =
                new java.util.concurrent.ConcurrentHashMap<>();

        /** A debug-info call this writer forwarded: {@code method} as Alloy names it, {@code result} ok or failed. */
        public void debugInfo(String method, String result) {
            debugInfo
                    .computeIfAbsent(
                            method + "/" + result,
                            k -> Counter.builder("pyroscope.relay.write.debuginfo.calls")
                                    .description("Debug-info calls forwarded to the destination, by method and result")
                                    .tags("writer", name, "method", method, "result", result)
                                    .register(registry))
                    .increment();
        }

        /** A profile stored in the writer's buffer (delivered later: counted as sent then). */
        public void stored(int profiles) {
            Counter c = stored;
            if (c == null) {
                c = stored = Counter.builder("pyroscope.relay.write.buffer.stored.profiles")
                        .description("Profiles stored in the writer's buffer")
                        .tag("writer", name)
                        .register(registry);
            }
            c.increment(profiles);
        }

        /**
         * What the writer's buffer holds now, read from these suppliers until the returned action removes the gauges
         * (the buffer closes: a reload's new buffer registers its own; Micrometer would keep the first one's).
         */
        public Runnable buffer(
                LongSupplier bytes,
                java.util.function.IntSupplier profiles,
                java.util.function.DoubleSupplier oldestAgeSeconds) {
            Gauge size = Gauge.builder("pyroscope.relay.write.buffer", bytes::getAsLong)
                    .description("Bytes in the writer's buffer")
                    .baseUnit("bytes")
                    .tag("writer", name)
                    .register(registry);
            Gauge count = Gauge.builder("pyroscope.relay.write.buffer.profiles", profiles::getAsInt)
                    .description("Profiles in the writer's buffer")
                    .tag("writer", name)
                    .register(registry);
            Gauge age = Gauge.builder("pyroscope.relay.write.buffer.oldest.age", oldestAgeSeconds::getAsDouble)
                    .description("Age of the oldest profile in the writer's buffer")
                    .baseUnit("seconds")
                    .tag("writer", name)
                    .register(registry);
            return () -> {
                registry.remove(size);
                registry.remove(count);
                registry.remove(age);
            };
        }

        /** Profiles that were being sent when the relay stopped without a shutdown: they may arrive twice. */
        public void resentAfterCrash(long profiles) {
            Counter.builder("pyroscope.relay.write.buffer.resent.profiles")
                    .description("Profiles sent again after the relay stopped while sending them (possible duplicates)")
                    .tag("writer", name)
                    .register(registry)
                    .increment(profiles);
        }

        public void retry() {
            retries.increment();
        }

        public void attempt(long nanos) {
            latency.record(Duration.ofNanos(nanos));
        }
    }
}
