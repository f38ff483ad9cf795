package dev.pyroscoperelay;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * Starts the relay with Camel Main: the packaged application.properties, overridden key by key by
 * ./application.properties; the routes of ./routes/*.yaml (hot reloaded) when that folder exists, otherwise the
 * packaged default route.
 */
public final class RelayMain {
    private RelayMain() {
    }

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
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                m.getCamelContext().getPropertiesComponent().addPropertiesFunction(new AlloyEnvFunction());
                try {
                    m.getCamelContext().addStartupListener(new MetricsAlias());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        Path overrides = workDir.resolve("application.properties");
        if (Files.isRegularFile(overrides)) {
            main.addOverrideProperty("camel.main.override-properties-location", "file:" + overrides);
        }
        Path routes = workDir.resolve("routes");
        if (Files.isDirectory(routes)) {
            main.configure().withRoutesIncludePattern("file:" + routes + "/*.yaml");
            RouteFileReloader.install(main, routes);
        } else {
            main.configure().withRoutesIncludePattern("classpath:default-routes/*.yaml");
        }
    }
}
