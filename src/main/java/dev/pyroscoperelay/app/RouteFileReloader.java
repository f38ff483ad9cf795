package dev.pyroscoperelay.app;

import dev.pyroscoperelay.runtime.RelayNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesBuilderLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of ./routes/*.yaml that checks a changed file before touching the running routes. Camel's own
 * reload removes every route first, so an empty or half-written save (which editors produce) would leave nothing
 * serving; here such a file is reported and the running routes keep serving until a valid version arrives.
 *
 * <p>Besides Camel's file watcher (edits in place and renames), the files' text is compared every
 * {@link #CHECK_MILLIS}: a Kubernetes ConfigMap volume changes by swapping its {@code ..data} symlink to a new
 * directory, which changes no {@code *.yaml} entry of the folder, so the watcher never hears of it.
 */
final class RouteFileReloader extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(RouteFileReloader.class);
    static final String ENABLED_PROPERTY = "pyroscope.relay.reload-enabled";

    /** How often the route files are read again (for changes the file watcher does not see). */
    static final long CHECK_MILLIS = 2_000;

    private java.util.concurrent.ScheduledExecutorService checker;

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
                if (!context.getPropertiesComponent()
                        .resolveProperty(ENABLED_PROPERTY)
                        .map(Boolean::parseBoolean)
                        .orElse(true)) {
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

    /** The text of each route file as it was when its routes last started: what a broken file is replaced by. */
    private final Map<String, String> lastGood = new ConcurrentHashMap<>();

    /** The text of a file that was refused, so that the periodic check reports it once. */
    private final Map<String, String> lastBroken = new ConcurrentHashMap<>();

    @Override
    protected void doStart() throws Exception {
        for (Path f : routeFiles()) {
            lastGood.put(f.toString(), Files.readString(f, StandardCharsets.UTF_8));
        }
        super.doStart();
        checker = getCamelContext()
                .getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(this, "pyroscope-relay-route-files");
        checker.scheduleWithFixedDelay(
                () -> onRouteReload(List.of(), true),
                CHECK_MILLIS,
                CHECK_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        if (checker != null) {
            getCamelContext().getExecutorServiceManager().shutdownNow(checker);
            checker = null;
        }
        super.doStop();
    }

    private List<Path> routeFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(Path.of(getFolder()).toAbsolutePath(), "*.yaml")) {
            stream.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    /**
     * Rebuilds every route from the files in the folder, using the last good text of any file that does not
     * load, so one broken file never stops the routes of the others (nor its own running version).
     */
    @Override
    protected synchronized void onRouteReload(Collection<Resource> changed, boolean removeEverything) {
        Map<String, String> next = new LinkedHashMap<>();
        boolean anyChange = false;
        try {
            for (Path f : routeFiles()) {
                String key = f.toString();
                String text = Files.readString(f, StandardCharsets.UTF_8);
                if (text.equals(lastGood.get(key))) {
                    next.put(key, text);
                    lastBroken.remove(key);
                    continue;
                }
                if (text.equals(lastBroken.get(key))) {
                    // reported already (the periodic check reads it again): keep the running version quietly
                    if (lastGood.containsKey(key)) {
                        next.put(key, lastGood.get(key));
                    }
                    continue;
                }
                String problem = problemWith(ResourceHelper.fromString("file:" + key, text));
                if (problem == null) {
                    next.put(key, text);
                    anyChange = true;
                } else {
                    LOG.error(
                            "not reloading {}: {}. Its running routes keep serving until a valid version is saved.",
                            f,
                            problem);
                    lastBroken.put(key, text);
                    if (lastGood.containsKey(key)) {
                        next.put(key, lastGood.get(key));
                    }
                }
            }
        } catch (IOException e) {
            LOG.error("cannot read {}: {}", getFolder(), e.toString());
            return;
        }
        anyChange |= !next.keySet().equals(lastGood.keySet());
        if (!anyChange) {
            return;
        }
        try {
            replaceRoutes(next);
            lastGood.clear();
            lastGood.putAll(next);
            LOG.info("routes reloaded from {} ({} files)", getFolder(), next.size());
        } catch (Exception e) {
            LOG.error("reloading routes from {} failed: {}", getFolder(), e.getMessage());
            try {
                replaceRoutes(lastGood);
                LOG.warn("restored the last working routes; fix the file and save it again");
            } catch (Exception again) {
                LOG.error("restoring the last working routes failed too: {}", again.getMessage());
            }
        }
    }

    private void replaceRoutes(Map<String, String> files) throws Exception {
        CamelContext context = getCamelContext();
        // receivers first: no new request enters, and those in flight finish while their writers still run
        // (removing everything at once can remove a writer under a request, which then waits for it in vain)
        for (org.apache.camel.Route route : context.getRoutes()) {
            if (route.getRouteId().startsWith(RelayNames.RECEIVE_ROUTE_PREFIX)) {
                context.getRouteController().stopRoute(route.getRouteId());
            }
        }
        context.getRouteController().removeAllRoutes();
        context.removeRouteTemplates("*");
        context.getEndpointRegistry().clear();
        List<Resource> resources = new ArrayList<>();
        files.forEach((path, text) -> resources.add(ResourceHelper.fromString("file:" + path, text)));
        PluginHelper.getRoutesLoader(context).updateRoutes(resources);
    }

    /** Why this route file must not replace the running routes, or null when it may. */
    private String problemWith(Resource resource) {
        try {
            String text;
            try (var in = resource.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
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
                if (problem == null) {
                    problem = EndpointCheck.problemInOutputs(context, route.getOutputs());
                }
                if (problem != null) {
                    return "route " + (route.getRouteId() == null ? "" : route.getRouteId() + " ") + problem;
                }
            }
            if (routes.isEmpty()
                    && builder.getRouteTemplateCollection().getRouteTemplates().isEmpty()) {
                return "the file defines no route";
            }
            return null;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            return message.lines().limit(6).reduce((a, b) -> a + " " + b.trim()).orElse(message);
        }
    }
}
