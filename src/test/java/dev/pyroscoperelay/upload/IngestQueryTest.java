package dev.pyroscoperelay.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ingest name parser and rewriter, table-driven: docs/behaviour.md's label table (Alloy's own tests) and the
 * query rules. LabelRulesTest keeps the same rows end to end through a running relay.
 */
class IngestQueryTest {

    /** "k=v,k2=" into a map; an empty value means "delete". */
    private static Map<String, String> labels(String spec) {
        Map<String, String> m = new TreeMap<>();
        if (spec != null && !spec.isEmpty()) {
            for (String kv : spec.split(",")) {
                int eq = kv.indexOf('=');
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0} with external [{1}] -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "my.app{}                  |                | my.app{service_name=my.app}",
                "my.app{env=dev}           | env=prod       | my.app{env=prod,service_name=my.app}",
                "my.app{service_name=svc}  |                | svc{app_name=my.app,service_name=svc}",
                "my.app{a=1,a=2}           |                | my.app{a=2,service_name=my.app}",
                "my.app{ env = dev }       |                | my.app{env=dev,service_name=my.app}",
                "my.app{env=dev}           | env=           | my.app{service_name=my.app}",
                "my.app                    |                | my.app{service_name=my.app}",
                "my.app{b=2,a=1,}          |                | my.app{a=1,b=2,service_name=my.app}",
                "my.app{env=}              |                | my.app{service_name=my.app}",
                "my.app{}                  | service_name=x | x{service_name=x}",
                "ns/my-app_1{}             |                | ns/my-app_1{service_name=ns/my-app_1}",
            })
    void alloysLabelTable(String name, String external, String forwarded) {
        assertEquals(forwarded, IngestName.parse(name).rewrite(labels(external)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "                     | missing query parameter 'name'",
                "{a=b}                | the application name is empty",
                "my app{}             | application name has ' '",
                "my.app{a=b           | missing '}'",
                "my.app{a=b}x         | text after '}'",
                "my.app{ab}           | label 'ab' has no '='",
                "my.app{1a=b}         | invalid label name '1a'",
                "my.app{a-b=c}        | invalid label name 'a-b'",
            })
    void badNamesAreRefused(String name, String reason) {
        InvalidProfileException e = assertThrows(InvalidProfileException.class, () -> IngestName.parse(name));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void limitsAreCheckedOnWhatWouldBeForwarded() {
        StringBuilder many = new StringBuilder("app{");
        for (int i = 0; i < 29; i++) {
            many.append("l").append(i).append("=v,");
        }
        IngestName twentyNinePlusService = IngestName.parse(many + "}");
        assertEquals(30, twentyNinePlusService.labels().size());
        twentyNinePlusService.rewrite(Map.of()); // 30 is allowed
        InvalidProfileException e =
                assertThrows(InvalidProfileException.class, () -> twentyNinePlusService.rewrite(Map.of("extra", "1")));
        assertTrue(e.getMessage().startsWith("too many labels: 31"), e.getMessage());
        assertThrows(
                InvalidProfileException.class, () -> IngestName.parse("app{}").rewrite(Map.of("k", "v".repeat(2049))));
        assertThrows(
                InvalidProfileException.class, () -> IngestName.parse("app{}").rewrite(Map.of("k".repeat(1025), "v")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // the Java agent: %20 and %2B; the + in the value must survive
                "name=app%7Bv%3D17.0.15%2B6%7D&from=1&until=2   | name=app%7Bservice_name%3Dapp%2Cv%3D17.0.15%2B6%7D&from=1&until=2",
                // the Node SDK: + is a space
                "from=1&name=app%7Bk%3Dhello+world%7D&spyName=x | from=1&name=app%7Bk%3Dhello%20world%2Cservice_name%3Dapp%7D&spyName=x",
                // other parameters kept as written, in their order; later duplicates of name dropped
                "a=%41&name=app&b=2&name=other&c                | a=%41&name=app%7Bservice_name%3Dapp%7D&b=2&c",
            })
    void queryKeepsEverythingButTheName(String raw, String forwarded) {
        assertEquals(forwarded, IngestQuery.parse(raw).rewrite(Map.of()));
    }

    @Test
    void queryWithoutNameOrWithBadEncodingIsRefused() {
        assertTrue(assertThrows(InvalidProfileException.class, () -> IngestQuery.parse("from=1&until=2"))
                .getMessage()
                .startsWith("missing query parameter 'name'"));
        assertTrue(assertThrows(InvalidProfileException.class, () -> IngestQuery.parse("name=app%G1"))
                .getMessage()
                .startsWith("malformed percent-encoding"));
    }
}
