package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.DebugInfoCall;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a writer's outcome goes: the client's answer, the writer's metrics, and the log when it failed. */
final class Outcomes {
    private static final Logger LOG = LoggerFactory.getLogger(PyroscopeWriter.class);

    private Outcomes() {}

    static void record(
            DestinationClient c, RelayExchange relay, ProfileUpload upload, long bytes, WriteOutcome outcome) {
        Kind kind = outcome.kind();
        relay.outcomes().add(outcome);
        if (outcome.ok()) {
            c.metrics.sent(bytes, upload.profileCount());
            return;
        }
        if (!(upload instanceof DebugInfoCall)) {
            c.metrics.dropped(kind.name().toLowerCase(Locale.ROOT), bytes, upload.profileCount());
        }
        LOG.warn(
                "forward failed: writer={} url={} result={} status={} attempts={} reason=\"{}\"",
                outcome.writer(),
                c.settings.safeUrl(),
                kind,
                outcome.status(),
                outcome.attempts(),
                outcome.detail());
    }
}
