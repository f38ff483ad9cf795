package dev.pyroscoperelay.support;

import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** A route step that records whether it ran on a Vert.x event loop and can block, like a user's database call. */
public class ThreadRecorder implements Processor {
    public static final List<Boolean> ON_EVENT_LOOP = new CopyOnWriteArrayList<>();
    private long sleepMillis;

    public void setSleepMillis(long sleepMillis) {
        this.sleepMillis = sleepMillis;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        ON_EVENT_LOOP.add(Context.isOnEventLoopThread());
        if (sleepMillis > 0) {
            Thread.sleep(sleepMillis);
        }
    }
}
