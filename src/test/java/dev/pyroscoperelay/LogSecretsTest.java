package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything the relay logs, from start-up to failed forwards and shutdown, is free of credentials. */
class LogSecretsTest {
    @TempDir
    Path work;

    @Test
    void credentialsNeverReachTheLog() throws Exception {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder()
                .setName("capture")
                .setTarget(log)
                .setLayout(PatternLayout.newBuilder()
                        .withPattern("%level %c{1} %msg %ex%n")
                        .build())
                .build();
        appender.start();
        // root at DEBUG: even a user who turns logging up gets no secrets from the relay's defaults
        config.getRootLogger().addAppender(appender, Level.DEBUG, null);
        config.getRootLogger().setLevel(Level.DEBUG);
        config.getLoggers().values().forEach(l -> l.addAppender(appender, Level.DEBUG, null));
        ctx.updateLoggers();
        try (Sink failing = Sink.start().answering(503);
                Sink refusing = Sink.start().answering(401)) {
            int port = Relay.freePort();
            Path token = Files.writeString(work.resolve("token"), "SECRET-FILE-TOKEN");
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("LogSecretsTest/relay.yaml")
                            .with("port", port)
                            .with("failing.url", failing.url())
                            .with("refusing.url", refusing.url())
                            .with("token", token)
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                Client.Response r = Client.post(
                        port,
                        "/ingest?name=secret.app",
                        new byte[] {1},
                        Map.of("Authorization", "Bearer SECRET-CLIENT"));
                assertEquals(503, r.status());
                assertFalse(r.body().contains("SECRET"), r.body());
            }
        } finally {
            config.getRootLogger().removeAppender("capture");
            config.getLoggers().values().forEach(l -> l.removeAppender("capture"));
            config.getRootLogger().setLevel(Level.INFO);
            ctx.updateLoggers();
        }
        String text = log.toString();
        assertTrue(text.contains("forward failed"), "the failed forward is logged");
        assertFalse(
                text.contains("SECRET"),
                "a secret was logged:\n"
                        + text.lines().filter(l -> l.contains("SECRET")).toList());
        assertFalse(text.contains("dXNlcjpTRUNSRVQtUEFTU1dPUkQ"), "the encoded basic auth was logged");
    }
}
