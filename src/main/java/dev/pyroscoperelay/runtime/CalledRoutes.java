package dev.pyroscoperelay.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SendDefinition;

/**
 * A route and the routes it sends to through {@code direct:} endpoints (as the seed's multiple-destinations example
 * does), in the order the route names them, read from the route model: "route order" across routes.
 */
public final class CalledRoutes {
    private CalledRoutes() {}

    /** {@code routeId} first, then every route reached from it by {@code direct:}, depth first; each once. */
    public static List<String> from(CamelContext context, String routeId) {
        Set<String> seen = new LinkedHashSet<>();
        if (context instanceof ModelCamelContext model) {
            visit(model, routeId, seen);
        } else {
            seen.add(routeId);
        }
        return new ArrayList<>(seen);
    }

    private static void visit(ModelCamelContext model, String routeId, Set<String> seen) {
        if (routeId == null || !seen.add(routeId)) {
            return;
        }
        RouteDefinition route = model.getRouteDefinition(routeId);
        if (route != null) {
            for (ProcessorDefinition<?> step : route.getOutputs()) {
                walk(model, step, seen);
            }
        }
    }

    private static void walk(ModelCamelContext model, ProcessorDefinition<?> step, Set<String> seen) {
        if (step instanceof SendDefinition<?> send && send.getEndpointUri() != null) {
            String uri = send.getEndpointUri();
            if (uri.startsWith("direct:")) {
                String name = uri.substring("direct:".length()).split("\\?", 2)[0];
                for (RouteDefinition r : model.getRouteDefinitions()) {
                    String from = r.getInput() == null ? null : r.getInput().getEndpointUri();
                    if (from != null && (from.equals("direct:" + name) || from.startsWith("direct:" + name + "?"))) {
                        visit(model, r.getRouteId(), seen);
                    }
                }
            }
        }
        for (ProcessorDefinition<?> child : step.getOutputs()) {
            walk(model, child, seen);
        }
    }
}
