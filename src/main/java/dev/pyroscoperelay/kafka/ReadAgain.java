package dev.pyroscoperelay.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Records that failed in a way worth retrying are read again; the pause before that is taken on the consumer's thread
 * when the record comes back (the step that decides may run on an event loop, which must never sleep).
 */
final class ReadAgain {
    private static final Map<String, Long> PAUSES = new ConcurrentHashMap<>();

    private ReadAgain() {}

    static void later(Exchange exchange, long pauseMillis) {
        PAUSES.put(key(exchange), pauseMillis);
    }

    static void pauseIfDue(Exchange exchange) throws InterruptedException {
        Long pause = PAUSES.remove(key(exchange));
        if (pause != null && pause > 0) {
            Thread.sleep(pause);
        }
    }

    private static String key(Exchange exchange) {
        var m = exchange.getMessage();
        return m.getHeader(KafkaConstants.TOPIC) + "/" + m.getHeader(KafkaConstants.PARTITION) + "/"
                + m.getHeader(KafkaConstants.OFFSET);
    }
}
