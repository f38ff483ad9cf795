package dev.pyroscoperelay.app;

import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop Camel Main the normal way (receivers answer 503 to new requests, in-flight ones finish
 * within camel.main.shutdown-timeout) and the process then exits 0, as a sidecar's supervisor expects.
 */
final class GracefulShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

    private GracefulShutdown() {}

    static void onTerm(Main main) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    LOG.info("SIG{} received: finishing in-flight requests, then exiting", name);
                    main.completed();
                });
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
    }
}
