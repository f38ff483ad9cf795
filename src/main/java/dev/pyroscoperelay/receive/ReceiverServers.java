package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.runtime.EventLoopWatchdog;
import dev.pyroscoperelay.runtime.RelayVertx;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;

/** The receiver servers of one CamelContext, keyed by address; all are closed when the context stops. */
final class ReceiverServers extends ServiceSupport {
    private static final String REGISTRY_NAME = "pyroscope-relay-receiver-servers";

    private final Map<String, ReceiverServer> servers = new HashMap<>();
    private final CamelContext context;
    private final EventLoopWatchdog watchdog;
    private final RelayVertx relay;

    private ReceiverServers(CamelContext context) {
        this.context = context;
        this.relay = RelayVertx.of(context);
        PropertiesComponent p = context.getPropertiesComponent();
        this.watchdog = new EventLoopWatchdog(
                relay,
                Durations.parseMillis(
                        EventLoopWatchdog.MAX_STALL,
                        p.resolveProperty(EventLoopWatchdog.MAX_STALL).orElse("10s")),
                p.resolveProperty(EventLoopWatchdog.EXIT)
                        .map(Boolean::parseBoolean)
                        .orElse(false));
        HealthCheckHelper.getHealthCheckRegistry(context).register(watchdog);
    }

    @Override
    protected void doStart() {
        watchdog.start();
    }

    static ReceiverServers of(CamelContext context) {
        synchronized (context) {
            ReceiverServers existing = context.getRegistry().lookupByNameAndType(REGISTRY_NAME, ReceiverServers.class);
            if (existing != null) {
                return existing;
            }
            ReceiverServers created = new ReceiverServers(context);
            context.getRegistry().bind(REGISTRY_NAME, ReceiverServers.class, created);
            try {
                context.addService(created, true, true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return created;
        }
    }

    synchronized ReceiverServer get(String host, int port, ReceiverServer.Limits limits) {
        return servers.computeIfAbsent(host + ":" + port, k -> {
            ReceiverServer server = new ReceiverServer(host, port, limits, relay);
            HealthCheckHelper.getHealthCheckRegistry(context).register(new ReceiverReadiness(server));
            return server;
        });
    }

    @Override
    protected synchronized void doStop() {
        watchdog.stop();
        servers.values().forEach(ReceiverServer::shutdown);
        servers.clear();
    }
}
