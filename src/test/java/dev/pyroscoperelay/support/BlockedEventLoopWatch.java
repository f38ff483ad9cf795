package dev.pyroscoperelay.support;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which Vert.x's blocked-thread checker said an event loop "has been blocked" (the suite runs with
 * {@code pyroscope.relay.max-event-loop-execute-ms=200}, see the pom): no step of the relay may block an event loop,
 * and a test that makes one do so must say so with {@link #allowIn}. Registered for every test by
 * junit-platform.properties.
 */
public final class BlockedEventLoopWatch implements BeforeEachCallback, AfterEachCallback {
    private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final List<String> SEEN = new ArrayList<>();
    private static final List<String> ALLOWED = new ArrayList<>();
    private static boolean installed;

    /** Test classes that block an event loop on purpose (a route with a blocking step on workerThreads 0). */
    public static synchronized void allowIn(Class<?> testClass) {
        ALLOWED.add(testClass.getName());
    }

    /** What the checker said since this test began. */
    public static synchronized List<String> seen() {
        return new ArrayList<>(SEEN);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        install();
        synchronized (BlockedEventLoopWatch.class) {
            SEEN.clear();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> seen;
        synchronized (BlockedEventLoopWatch.class) {
            seen = new ArrayList<>(SEEN);
            SEEN.clear();
            if (ALLOWED.contains(context.getRequiredTestClass().getName())) {
                return;
            }
        }
        if (!seen.isEmpty()) {
            throw new AssertionError("an event loop was blocked during this test:\n" + String.join("\n", seen));
        }
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        AbstractAppender appender =
                new AbstractAppender("blocked-event-loop-watch", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        String text = event.getMessage().getFormattedMessage();
                        if (CHECKER.equals(event.getLoggerName()) && text.contains("has been blocked")) {
                            String where = event.getThrown() == null
                                            || event.getThrown().getStackTrace().length == 0
                                    ? ""
                                    : " at " + firstFrames(event.getThrown().getStackTrace());
                            synchronized (BlockedEventLoopWatch.class) {
                                SEEN.add(text + where);
                            }
                        }
                    }
                };
        appender.start();
        logging.getConfiguration().addAppender(appender);
        logging.getRootLogger().addAppender(logging.getConfiguration().getAppender(appender.getName()));
        logging.updateLoggers();
    }

    private static String firstFrames(StackTraceElement[] stack) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, stack.length); i++) {
            sb.append("\n    ").append(stack[i]);
        }
        return sb.toString();
    }
}
