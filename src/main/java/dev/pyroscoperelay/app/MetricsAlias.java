package dev.pyroscoperelay.app;

import io.vertx.core.http.HttpMethod;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/** Serves the Prometheus text at /metrics too, where most scrape configs look by default. */
final class MetricsAlias implements ExtendedStartupListener {

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the management server is up only once the context has fully started
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        String target = context.getPropertiesComponent()
                .resolveProperty("camel.metrics.path")
                .orElse("/observe/metrics");
        context.getRegistry().findByTypeWithName(VertxPlatformHttpRouter.class).values().stream()
                .filter(VertxPlatformHttpRouter::isManagementServer)
                .findFirst()
                .ifPresent(router ->
                        router.route("/metrics").method(HttpMethod.GET).handler(ctx -> ctx.reroute(target)));
    }
}
