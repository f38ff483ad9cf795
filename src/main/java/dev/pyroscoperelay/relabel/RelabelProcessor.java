package dev.pyroscoperelay.relabel;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.UserRouteId;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.RoutingHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor behind {@code kamelet:pyroscope-relabel}: applies relabel rules to every series of the upload (the
 * {@code name} labels of /ingest, each series of a push). Series that a rule drops are not forwarded; an upload with
 * nothing left is answered 200 and sent nowhere. Rules come inline or from a file that is read again when it changes
 * (a file that does not load is logged and the previous rules kept).
 */
public class RelabelProcessor extends ServiceSupport implements Processor, CamelContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(RelabelProcessor.class);

    private CamelContext camelContext;
    private String rules;
    private String rulesFile;
    private String routeName;
    private volatile RelabelRules current;
    private volatile FileTime loadedFrom;
    /** The rules file is looked at once a second at most, not on every request. */
    private volatile long nextFileCheckNanos;

    static final long FILE_CHECK_INTERVAL_NANOS = 1_000_000_000L;
    private RelayMetrics metrics;

    @Override
    protected void doStart() {
        boolean inline = rules != null && !rules.isBlank();
        boolean file = rulesFile != null && !rulesFile.isBlank();
        if (inline == file) {
            throw new IllegalArgumentException("pyroscope-relabel: set either 'rules' or 'rulesFile'");
        }
        current = inline ? RelabelRules.parse(rules) : load(true);
        nextFileCheckNanos = System.nanoTime() + FILE_CHECK_INTERVAL_NANOS; // nanoTime may be negative: never 0
        metrics = RelayMetrics.of(camelContext);
    }

    /** The rules of the file, read again when it changed; the previous rules when it does not load. */
    private synchronized RelabelRules load(boolean first) {
        Path path = Path.of(rulesFile.trim());
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            if (!first && modified.equals(loadedFrom)) {
                return current;
            }
            RelabelRules loaded = RelabelRules.parse(Files.readString(path, StandardCharsets.UTF_8));
            if (!first) {
                LOG.info("pyroscope-relabel: {} reloaded ({} rules)", path, loaded.size());
            }
            loadedFrom = modified;
            return loaded;
        } catch (IOException | IllegalArgumentException e) {
            if (first) {
                throw new IllegalArgumentException("pyroscope-relabel: rulesFile " + path + ": " + e.getMessage(), e);
            }
            LOG.error("pyroscope-relabel: {} not reloaded, the previous rules stay: {}", path, e.getMessage());
            try {
                loadedFrom = Files.getLastModifiedTime(path); // report a broken file once
            } catch (IOException ignored) {
                // gone: reported again next time
            }
            return current;
        }
    }

    @Override
    public void process(Exchange exchange) {
        if (rulesFile != null && !rulesFile.isBlank() && System.nanoTime() - nextFileCheckNanos >= 0) {
            nextFileCheckNanos = System.nanoTime() + FILE_CHECK_INTERVAL_NANOS;
            current = load(false);
        }
        ProfileUpload upload = exchange.getMessage().getBody(ProfileUpload.class);
        if (upload == null) {
            throw new IllegalStateException("pyroscope-relabel must follow kamelet:pyroscope-receive in a route");
        }
        RelabelRules r = current;
        ProfileUpload out = upload.relabel(r::process);
        int dropped = upload.seriesCount() - out.seriesCount();
        if (dropped > 0) {
            String route =
                    routeName == null || routeName.isBlank() ? "relabel" : UserRouteId.of(camelContext, routeName);
            metrics.relabelDropped(route, dropped, out.seriesCount() == 0);
        }
        exchange.getMessage().setBody(out);
        RoutingHeaders.update(exchange.getMessage());
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public void setRules(String rules) {
        this.rules = rules;
    }

    public void setRulesFile(String rulesFile) {
        this.rulesFile = rulesFile;
    }

    /** Set by the Kamelet: the route that uses the step, for metrics. */
    public void setRouteName(String routeName) {
        this.routeName = routeName;
    }
}
