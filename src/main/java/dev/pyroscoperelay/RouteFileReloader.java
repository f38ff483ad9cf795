package dev.pyroscoperelay;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesBuilderLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of ./routes/*.yaml that checks a changed file before touching the running routes. Camel's own
 * reload removes every route first, so an empty or half-written save (which editors produce) would leave nothing
 * serving; here such a file is reported and the running routes keep serving until a valid version arrives.
 */
final class RouteFileReloader extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(RouteFileReloader.class);

    RouteFileReloader(String directory) {
        super(directory, false);
        setPattern("*.yaml");
        setRemoveAllRoutes(true);
    }

    static void install(Main main, Path directory) {
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport m) {
                CamelContext context = m.getCamelContext();
                if (!context.getPropertiesComponent().resolveProperty("pyroscope.relay.reload-enabled")
                        .map(Boolean::parseBoolean).orElse(true)) {
                    LOG.info("hot reload of {} is off (pyroscope.relay.reload-enabled=false)", directory);
                    return;
                }
                try {
                    context.addService(new RouteFileReloader(directory.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot watch " + directory + ": " + e.getMessage(), e);
                }
            }
        });
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        if (resources != null) {
            for (Resource resource : resources) {
                String problem = problemWith(resource);
                if (problem != null) {
                    LOG.error("not reloading {}: {}. The running routes keep serving until a valid version is saved.",
                            resource.getLocation(), problem);
                    return;
                }
            }
        }
        try {
            super.onRouteReload(resources, removeEverything);
        } catch (RuntimeException e) {
            LOG.error("reloading {} failed: {}", resources, e.getMessage());
            throw e;
        }
    }

    /** Why this route file must not replace the running routes, or null when it may. */
    private String problemWith(Resource resource) {
        try {
            Path path = Path.of(resource.getURI());
            if (!Files.exists(path)) {
                return null; // a deleted file removes its routes
            }
            String text = Files.readString(path, StandardCharsets.UTF_8);
            if (text.isBlank()) {
                return "the file is empty";
            }
            CamelContext context = getCamelContext();
            RoutesBuilderLoader loader = PluginHelper.getRoutesLoader(context).getRoutesLoader("yaml");
            RouteBuilder builder = (RouteBuilder) loader.loadRoutesBuilder(resource);
            List<RouteDefinition> routes = builder.configureRoutes(context).getRoutes();
            for (RouteDefinition route : routes) {
                String uri = route.getInput() == null ? null : route.getInput().getEndpointUri();
                if (uri == null || uri.isBlank()) {
                    return "route " + route.getRouteId() + " has no 'from'";
                }
                String problem = EndpointCheck.problemWith(context, uri);
                if (problem != null) {
                    return "route " + (route.getRouteId() == null ? "" : route.getRouteId() + " ") + problem;
                }
            }
            if (routes.isEmpty() && builder.getRouteTemplateCollection().getRouteTemplates().isEmpty()) {
                return "the file defines no route";
            }
            return null;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            return message.lines().limit(6).reduce((a, b) -> a + " " + b.trim()).orElse(message);
        }
    }
}
