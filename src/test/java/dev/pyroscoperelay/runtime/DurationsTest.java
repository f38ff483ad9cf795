package dev.pyroscoperelay.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({
        "500ms, 500",
        "10s, 10000",
        "1.5s, 1500",
        "5m, 300000",
        "1h, 3600000",
        "250, 250",
        "' 2s ', 2000",
        "0s, 0"
    })
    void parses(String text, long millis) {
        assertEquals(millis, Durations.parseMillis("p", text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "10 days", "ms", "1d"})
    void refusesWhatIsNotADuration(String text) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("remoteTimeout", text));
        assertEquals("remoteTimeout: '" + text + "' is not a duration (use 500ms, 10s, 5m or 1h)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1s", "-5", "-2ms", "-0.5h"})
    void refusesNegative(String text) {
        assertEquals(
                "p: '" + text + "' is negative",
                assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("p", text))
                        .getMessage());
    }
}
