package dev.pyroscoperelay.runtime;

import java.util.function.Supplier;
import org.apache.camel.CamelContext;

/**
 * State that belongs to one CamelContext, bound in its registry: two contexts in one JVM (a host with several, Spring
 * Boot tests) each have their own. The lookup locks the context: callers keep what they get.
 */
public final class PerContext {
    private PerContext() {}

    public static <T> T get(CamelContext context, Class<T> type, Supplier<T> create) {
        String name = "pyroscope-relay." + type.getName();
        synchronized (context) {
            T existing = context.getRegistry().lookupByNameAndType(name, type);
            if (existing != null) {
                return existing;
            }
            T created = create.get();
            context.getRegistry().bind(name, type, created);
            return created;
        }
    }
}
