package dev.pyroscoperelay.relabel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** An ordered list of relabel rules, applied as Prometheus' {@code relabel.Process}: in order, until one drops. */
public final class RelabelRules {
    private final List<RelabelRule> rules;

    private RelabelRules(List<RelabelRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Rules from a YAML or JSON list of rule blocks; an error names the rule (1-based) and what is wrong with it. */
    public static RelabelRules parse(String text) {
        Object doc;
        try {
            doc = new Load(LoadSettings.builder().build()).loadFromString(text == null ? "" : text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("relabel rules are not valid YAML or JSON: "
                    + e.getMessage().lines().findFirst().orElse("") + " (rules: " + abbreviate(text) + ")");
        }
        if (doc == null) {
            return new RelabelRules(List.of());
        }
        if (!(doc instanceof List<?> list)) {
            throw new IllegalArgumentException("relabel rules must be a list of rules");
        }
        List<RelabelRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("relabel rule " + (i + 1) + " is not a map of fields");
            }
            Map<String, Object> fields = new TreeMap<>();
            map.forEach((k, v) -> fields.put(String.valueOf(k), v));
            try {
                rules.add(RelabelRule.of(fields));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("relabel rule " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new RelabelRules(rules);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace("\n", "\\n");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }

    /** The relabeled labels (a new sorted map), or null when the series is dropped. */
    public Map<String, String> process(Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>(labels);
        for (RelabelRule rule : rules) {
            if (!rule.apply(out)) {
                return null;
            }
        }
        return out;
    }

    public int size() {
        return rules.size();
    }
}
