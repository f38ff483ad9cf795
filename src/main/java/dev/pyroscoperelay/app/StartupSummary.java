package dev.pyroscoperelay.app;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.runtime.RelayVersion;
import java.lang.management.ManagementFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One line when the relay is up: what runs, where the routes come from, whether they are hot reloaded. */
final class StartupSummary implements ExtendedStartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(StartupSummary.class);

    private final String routesSource;
    private final boolean reload;

    StartupSummary(String routesSource, boolean reload) {
        this.routesSource = routesSource;
        this.reload = reload;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // logged once fully started
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        int receivers = 0;
        int writers = 0;
        for (Route r : context.getRoutes()) {
            String id = r.getRouteId();
            if (id.startsWith(RelayNames.RECEIVE_ROUTE_PREFIX)) {
                receivers++;
            } else if (id.startsWith(RelayNames.WRITE_ROUTE_PREFIX)) {
                writers++;
            }
        }
        LOG.info(
                "pyroscope-relay {} started in {} ms: {} receivers, {} writers, routes from {} (hot reload {})",
                RelayVersion.get(),
                ManagementFactory.getRuntimeMXBean().getUptime(),
                receivers,
                writers,
                routesSource,
                reload ? "on" : "off");
    }
}
