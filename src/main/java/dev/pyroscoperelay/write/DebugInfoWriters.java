package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.CalledRoutes;
import dev.pyroscoperelay.runtime.PerContext;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;

/**
 * The running writers with {@code debugInfo} on, by the route that calls them and in the order their context created
 * them. A debug-info call goes to one writer, as Alloy sends it to its first endpoint: the first of the receiving
 * route's writers, else of the routes it sends to ({@link CalledRoutes}), whatever the order in which a parallel
 * multicast reaches them.
 */
final class DebugInfoWriters {
    private final Map<String, TreeMap<Integer, PyroscopeWriter>> byRoute = new HashMap<>();
    /** Receiving route to the writer that takes its calls; cleared when a writer starts or stops (a reload). */
    private final Map<String, PyroscopeWriter> chosen = new HashMap<>();

    private final CamelContext context;

    private DebugInfoWriters(CamelContext context) {
        this.context = context;
    }

    static DebugInfoWriters of(CamelContext context) {
        return PerContext.get(context, DebugInfoWriters.class, () -> new DebugInfoWriters(context));
    }

    synchronized void add(String route, int order, PyroscopeWriter writer) {
        byRoute.computeIfAbsent(key(route), r -> new TreeMap<>()).put(order, writer);
        chosen.clear();
    }

    synchronized void remove(String route, int order, PyroscopeWriter writer) {
        chosen.clear();
        TreeMap<Integer, PyroscopeWriter> writers = byRoute.get(key(route));
        if (writers != null) {
            writers.remove(order, writer);
            if (writers.isEmpty()) {
                byRoute.remove(key(route));
            }
        }
    }

    /** Whether {@code writer} is the one that forwards the debug-info calls received by {@code receivingRoute}. */
    synchronized boolean takes(String receivingRoute, PyroscopeWriter writer) {
        PyroscopeWriter first = chosen.get(key(receivingRoute));
        if (first == null) {
            for (String route : CalledRoutes.from(context, key(receivingRoute))) {
                TreeMap<Integer, PyroscopeWriter> writers = byRoute.get(route);
                if (writers != null && !writers.isEmpty()) {
                    first = writers.firstEntry().getValue();
                    chosen.put(key(receivingRoute), first);
                    break;
                }
            }
        }
        return first == writer;
    }

    private static String key(String route) {
        return route == null ? "" : route;
    }
}
