package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayNames;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness of one receiver: up only while its port accepts connections. */
final class ReceiverReadiness extends AbstractHealthCheck {
    private final ReceiverServer server;

    ReceiverReadiness(ReceiverServer server) {
        super("pyroscope-relay", RelayNames.RECEIVE_ROUTE_PREFIX + server.address());
        this.server = server;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("address", server.address());
        if (server.ready()) {
            builder.up();
        } else {
            String problem = server.problem();
            builder.message(problem == null ? "not started" : problem);
            builder.down();
        }
    }
}
