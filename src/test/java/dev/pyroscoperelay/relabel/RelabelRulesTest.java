package dev.pyroscoperelay.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Relabel rules, table-driven, with the cases of Prometheus' model/relabel tests (rules written as users write them,
 * in YAML flow style): input labels, rules, expected labels or "dropped".
 */
class RelabelRulesTest {

    private static Map<String, String> labels(String spec) {
        Map<String, String> m = new TreeMap<>();
        if (!spec.isBlank()) {
            for (String kv : spec.split(",")) {
                int eq = kv.indexOf('=');
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "replace with a template | a=foo,b=bar,c=baz | [{source_labels: [a], regex: 'f(.*)', target_label: d, replacement: 'ch${1}-ch${1}'}] | a=foo,b=bar,c=baz,d=choo-choo",
                "replace of joined sources | a=foo,b=bar,c=baz | [{source_labels: [a, b], regex: 'f(.*);(.*)r', target_label: a, replacement: 'b${1}${2}m'}] | a=boobam,b=bar,c=baz",
                "replace with another separator | a=foo,b=bar | [{source_labels: [a, b], separator: ':', regex: 'foo:bar', target_label: c, replacement: ok}] | a=foo,b=bar,c=ok",
                "replace: no match, no change | a=foo | [{source_labels: [a], regex: 'o', target_label: b}] | a=foo",
                "replace: regex anchored | a=foo | [{source_labels: [a], regex: 'fo', target_label: b, replacement: x}] | a=foo",
                "replace adds a label | a=foo | [{target_label: b, replacement: bar}] | a=foo,b=bar",
                "replace deletes with an empty value | a=foo,b=bar | [{source_labels: [missing], target_label: b, replacement: ''}] | a=foo",
                "replace defaults copy a label | a=foo | [{source_labels: [a], target_label: b}] | a=foo,b=foo",
                "replace into a templated target | a=some-name-value | [{source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}'}] | a=some-name-value,name=value",
                "replace into an invalid target: no change | a=some-1name-value | [{source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}'}] | a=some-1name-value",
                "$1x is the group named 1x (empty) | a=foo | [{source_labels: [a], regex: '(f)oo', target_label: b, replacement: '$1x'}] | a=foo",
                "$$ is a dollar | a=foo | [{source_labels: [a], regex: '(f)oo', target_label: b, replacement: '$$${1}'}] | a=foo,b=$f",
                "named groups | a=foo | [{source_labels: [a], regex: '(?<first>f)(?<rest>.*)', target_label: b, replacement: '${rest}$first'}] | a=foo,b=oof",
                "keep: match kept | a=foo | [{source_labels: [a], regex: 'f.*', action: keep}] | a=foo",
                "keep: no match dropped | a=foo | [{source_labels: [a], regex: 'b.*', action: keep}] | dropped",
                "keep: a missing label is empty | a=foo | [{source_labels: [b], regex: '', action: keep}] | a=foo",
                "drop: match dropped | a=foo | [{source_labels: [a], regex: 'f.*', action: drop}] | dropped",
                "drop: no match kept | a=foo | [{source_labels: [a], regex: 'b.*', action: drop}] | a=foo",
                "action is case-insensitive | a=foo | [{source_labels: [a], regex: 'f.*', action: DROP}] | dropped",
                "keepequal: equal kept | a=foo,b=foo | [{source_labels: [a], target_label: b, action: keepequal}] | a=foo,b=foo",
                "keepequal: different dropped | a=foo,b=bar | [{source_labels: [a], target_label: b, action: keepequal}] | dropped",
                "dropequal: equal dropped | a=foo,b=foo | [{source_labels: [a], target_label: b, action: dropequal}] | dropped",
                "dropequal: different kept | a=foo,b=bar | [{source_labels: [a], target_label: b, action: dropequal}] | a=foo,b=bar",
                "hashmod | a=foo,b=bar,c=baz | [{source_labels: [c], target_label: d, modulus: 1000, action: hashmod}] | a=foo,b=bar,c=baz,d=976",
                "labelmap | a=foo,b1=bar,b2=baz | [{regex: '(b.*)', replacement: 'bar_${1}', action: labelmap}] | a=foo,b1=bar,b2=baz,bar_b1=bar,bar_b2=baz",
                "labelmap with a prefix | __meta_my_bar=aaa,__meta_my_baz=bbb,__meta_other=ccc | [{regex: '__meta_(my.*)', replacement: '${1}', action: labelmap}] | __meta_my_bar=aaa,__meta_my_baz=bbb,__meta_other=ccc,my_bar=aaa,my_baz=bbb",
                "labeldrop | a=foo,b1=bar,b2=baz | [{regex: '(b.*)', action: labeldrop}] | a=foo",
                "labelkeep | a=foo,b1=bar,b2=baz | [{regex: '(b.*)', action: labelkeep}] | b1=bar,b2=baz",
                "lowercase | foo=bAr123Foo | [{source_labels: [foo], target_label: foo_lower, action: lowercase}] | foo=bAr123Foo,foo_lower=bar123foo",
                "uppercase | foo=bAr123Foo | [{source_labels: [foo], target_label: foo_upper, action: uppercase}] | foo=bAr123Foo,foo_upper=BAR123FOO",
                "rules in order, stop at a drop | a=foo | [{target_label: b, replacement: x}, {source_labels: [b], regex: x, action: drop}, {target_label: c, replacement: y}] | dropped",
                "no rules | a=foo | [] | a=foo",
            })
    void process(String name, String input, String rules, String expected) {
        Map<String, String> out = RelabelRules.parse(rules).process(labels(input));
        if (expected.equals("dropped")) {
            assertNull(out, name);
        } else {
            assertEquals(labels(expected), out, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "hashmod needs a modulus | [{source_labels: [a], target_label: b, action: hashmod}] | relabel rule 1: relabel configuration for hashmod requires non-zero modulus",
                "replace needs a target | [{source_labels: [a]}] | relabel rule 1: relabel configuration for replace action requires 'target_label' value",
                "unknown action | [{action: explode}] | relabel rule 1: unknown relabel action \"explode\"",
                "invalid target label | [{target_label: '1abc'}] | relabel rule 1: \"1abc\" is invalid 'target_label' for replace action",
                "labeldrop takes only a regex | [{regex: a, source_labels: [b], action: labeldrop}] | relabel rule 1: labeldrop action requires only 'regex', and no other fields",
                "keepequal takes no regex | [{source_labels: [a], target_label: b, regex: x, action: keepequal}] | relabel rule 1: keepequal action requires only 'source_labels' and `target_label`, and no other fields",
                "lowercase takes no replacement | [{source_labels: [a], target_label: b, replacement: x, action: lowercase}] | relabel rule 1: 'replacement' can not be set for lowercase action",
                "invalid regex | [{regex: '(', target_label: a}] | relabel rule 1: invalid regex '('",
                "unknown field | [{target: a}] | relabel rule 1: unknown field 'target' in a relabel rule",
                "second rule named | [{target_label: a, replacement: b}, {action: hashmod, target_label: x}] | relabel rule 2:",
                "not a list | {target_label: a} | relabel rules must be a list of rules",
            })
    void badRulesAreRefusedWithAReason(String name, String rules, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelabelRules.parse(rules));
        assertTrue(e.getMessage().startsWith(message), name + ": " + e.getMessage());
    }
}
