package dev.pyroscoperelay.app;

import java.net.InetAddress;
import org.apache.camel.spi.PropertiesFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code {{env:NAME}}} with Alloy's {@code env("NAME")} semantics: an unset variable is the empty string instead of
 * a start-up failure, and HOSTNAME (which shells do not export) falls back to the machine's host name.
 */
final class AlloyEnvFunction implements PropertiesFunction {
    private static final Logger LOG = LoggerFactory.getLogger(AlloyEnvFunction.class);

    @Override
    public String getName() {
        return "env";
    }

    @Override
    public String apply(String remainder) {
        String name = remainder;
        String fallback = "";
        int colon = remainder.indexOf(':');
        if (colon > 0) {
            name = remainder.substring(0, colon);
            fallback = remainder.substring(colon + 1);
        }
        String value = System.getenv(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase().replace('-', '_').replace('.', '_'));
        }
        if (value != null) {
            return value;
        }
        if (name.equals("HOSTNAME")) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                LOG.debug("no host name: {}", e.toString());
            }
        }
        if (colon < 0) {
            LOG.warn("environment variable {} is not set: using an empty value", name);
        }
        return fallback;
    }
}
