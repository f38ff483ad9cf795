package dev.pyroscoperelay.runtime;

import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;

/**
 * The id of the route a user wrote that uses a Kamelet, the default name of receivers and writers (metric series,
 * dashboards and alerts are keyed by it). Camel gives a Kamelet the route that is being created when its endpoint
 * starts as {@code parentRouteId}; when routes are added to a running context (a hot reload), that can be the route
 * of another Kamelet created a moment before (pyroscope-receive-6 instead of the user's id). Such a Kamelet route's own
 * parent is followed up to the user's route.
 */
public final class UserRouteId {
    private static final String PARENT_ROUTE_ID = "parentRouteId";

    private UserRouteId() {}

    public static String of(CamelContext context, String routeId) {
        if (!(context instanceof ModelCamelContext model)) {
            return routeId;
        }
        String id = routeId;
        for (int depth = 0; id != null && depth < 8; depth++) {
            RouteDefinition route = model.getRouteDefinition(id);
            if (route == null || !Boolean.TRUE.equals(route.isKamelet())) {
                return id;
            }
            Map<String, Object> parameters = route.getTemplateParameters();
            Object parent = parameters == null ? null : parameters.get(PARENT_ROUTE_ID);
            if (parent == null || parent.toString().isBlank()) {
                return id;
            }
            id = parent.toString();
        }
        return id;
    }
}
