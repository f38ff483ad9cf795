package dev.pyroscoperelay.kafka;

import dev.pyroscoperelay.runtime.PerContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Records that failed in a way worth retrying are read again; the pause before that is taken on the consumer's thread
 * when the record comes back (the step that decides may run on an event loop, which must never sleep). One per
 * CamelContext.
 */
final class ReadAgain {
    private final Map<String, Long> pauses = new ConcurrentHashMap<>();

    static ReadAgain of(CamelContext context) {
        return PerContext.get(context, ReadAgain.class, ReadAgain::new);
    }

    /** A step's handle on its context's ReadAgain, looked up once (the lookup locks the context). */
    static final class OfContext {
        private volatile ReadAgain readAgain;

        ReadAgain of(Exchange exchange) {
            ReadAgain r = readAgain;
            if (r == null) {
                r = readAgain = ReadAgain.of(exchange.getContext());
            }
            return r;
        }
    }

    void later(Exchange exchange, long pauseMillis) {
        pauses.put(key(exchange), pauseMillis);
    }

    void pauseIfDue(Exchange exchange) throws InterruptedException {
        Long pause = pauses.remove(key(exchange));
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
