package dev.pyroscoperelay.app;

import dev.pyroscoperelay.runtime.EventLoopThreadPoolFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * Starts the relay with Camel Main: the packaged application.properties, overridden key by key by
 * ./application.properties; the routes of ./routes/*.yaml (hot reloaded) when that folder exists, otherwise the
 * packaged default route.
 */
public final class RelayMain {
    private RelayMain() {}

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        configure(main, Path.of("").toAbsolutePath());
        GracefulShutdown.onTerm(main);
        main.run(args);
        // run() returns once the routes have stopped (in-flight requests finished or the shutdown timeout passed)
        System.exit(0);
    }

    /** Applies the working-directory conventions of the relay to a Camel Main. */
    public static void configure(Main main, Path workDir) {
        Path routes = workDir.resolve("routes");
        boolean fromFiles = Files.isDirectory(routes);
        String source = fromFiles ? routes + "/*.yaml" : "the packaged default route";
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                CamelContext context = m.getCamelContext();
                context.getPropertiesComponent().addPropertiesFunction(new AlloyEnvFunction());
                // multicast branches started on a receiver's event loop run there, not on a pool thread
                context.getExecutorServiceManager().setThreadPoolFactory(new EventLoopThreadPoolFactory(context));
                boolean reload = fromFiles
                        && context.getPropertiesComponent()
                                .resolveProperty(RouteFileReloader.ENABLED_PROPERTY)
                                .map(Boolean::parseBoolean)
                                .orElse(true);
                try {
                    context.addStartupListener(new MetricsAlias());
                    context.addStartupListener(new StartupSummary(source, reload));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        // ./application.properties is listed first so that it wins key by key (as it does for the auto-configuration);
        // -D system properties win over both
        main.setDefaultPropertyPlaceholderLocation("file:" + workDir.resolve("application.properties")
                + ";optional=true,classpath:application.properties;optional=true");
        if (fromFiles) {
            main.configure().withRoutesIncludePattern("file:" + routes + "/*.yaml");
            RouteFileReloader.install(main, routes);
        } else {
            // one named file: the runnable jar carries it without a folder entry, which a classpath wildcard needs
            main.configure().withRoutesIncludePattern("classpath:default-routes/relay.yaml");
        }
    }
}
