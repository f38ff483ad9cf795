package dev.pyroscoperelay.relabel;

import dev.pyroscoperelay.upload.LabelLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One relabel rule with the fields and defaults of Prometheus' {@code relabel_config} (and Alloy's {@code rule}
 * block): source labels joined by the separator, an anchored regex, and one action. Checked when it is built, with the
 * errors Prometheus gives.
 */
public final class RelabelRule {
    /** The actions of Prometheus' relabeling. */
    public enum Action {
        REPLACE,
        KEEP,
        DROP,
        KEEPEQUAL,
        DROPEQUAL,
        HASHMOD,
        LABELMAP,
        LABELDROP,
        LABELKEEP,
        LOWERCASE,
        UPPERCASE
    }

    static final String DEFAULT_SEPARATOR = ";";
    static final String DEFAULT_REGEX = "(.*)";
    static final String DEFAULT_REPLACEMENT = "$1";
    private static final Pattern TARGET_TEMPLATE = Pattern.compile("^(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+$");

    private final List<String> sourceLabels;
    private final String separator;
    private final String regexText;
    private final Pattern regex;
    private final long modulus;
    private final String targetLabel;
    private final String replacement;
    private final Action action;

    private RelabelRule(
            List<String> sourceLabels,
            String separator,
            String regexText,
            long modulus,
            String targetLabel,
            String replacement,
            Action action) {
        this.sourceLabels = List.copyOf(sourceLabels);
        this.separator = separator;
        this.regexText = regexText;
        try {
            this.regex = Pattern.compile("^(?:" + regexText + ")$");
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex '" + regexText + "': " + e.getDescription());
        }
        this.modulus = modulus;
        this.targetLabel = targetLabel;
        this.replacement = replacement;
        this.action = action;
        validate();
    }

    /** A rule from its fields as users write them (source_labels, separator, regex, modulus, target_label, ...). */
    public static RelabelRule of(Map<String, Object> fields) {
        for (String key : fields.keySet()) {
            if (!List.of("source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action")
                    .contains(key)) {
                throw new IllegalArgumentException("unknown field '" + key + "' in a relabel rule");
            }
        }
        List<String> sources = new ArrayList<>();
        Object s = fields.get("source_labels");
        if (s instanceof List<?> list) {
            list.forEach(o -> sources.add(String.valueOf(o)));
        } else if (s != null) {
            throw new IllegalArgumentException("source_labels must be a list of label names");
        }
        String actionText = string(fields, "action", "replace").toLowerCase(Locale.ROOT);
        Action action;
        try {
            action = Action.valueOf(actionText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown relabel action \"" + actionText + "\"");
        }
        long modulus;
        try {
            modulus = Long.parseUnsignedLong(string(fields, "modulus", "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("modulus must be a whole number: " + fields.get("modulus"));
        }
        return new RelabelRule(
                sources,
                string(fields, "separator", DEFAULT_SEPARATOR),
                string(fields, "regex", DEFAULT_REGEX),
                modulus,
                string(fields, "target_label", ""),
                string(fields, "replacement", DEFAULT_REPLACEMENT),
                action);
    }

    private static String string(Map<String, Object> fields, String key, String fallback) {
        Object v = fields.get(key);
        return v == null ? fallback : String.valueOf(v);
    }

    private void validate() {
        String a = action.name().toLowerCase(Locale.ROOT);
        boolean needsTarget = action == Action.REPLACE
                || action == Action.HASHMOD
                || action == Action.LOWERCASE
                || action == Action.UPPERCASE
                || action == Action.KEEPEQUAL
                || action == Action.DROPEQUAL;
        if (action == Action.HASHMOD && modulus == 0) {
            throw new IllegalArgumentException("relabel configuration for hashmod requires non-zero modulus");
        }
        if (needsTarget && targetLabel.isEmpty()) {
            throw new IllegalArgumentException(
                    "relabel configuration for " + a + " action requires 'target_label' value");
        }
        if (action == Action.REPLACE && !targetLabel.contains("$") && !LabelLimits.isValidName(targetLabel)) {
            throw new IllegalArgumentException(
                    "\"" + targetLabel + "\" is invalid 'target_label' for " + a + " action");
        }
        if (action == Action.REPLACE
                && targetLabel.contains("$")
                && !TARGET_TEMPLATE.matcher(targetLabel).matches()) {
            throw new IllegalArgumentException(
                    "\"" + targetLabel + "\" is invalid 'target_label' for " + a + " action");
        }
        boolean equalOrCase = action == Action.LOWERCASE
                || action == Action.UPPERCASE
                || action == Action.KEEPEQUAL
                || action == Action.DROPEQUAL;
        if ((equalOrCase || action == Action.HASHMOD) && !LabelLimits.isValidName(targetLabel)) {
            throw new IllegalArgumentException(
                    "\"" + targetLabel + "\" is invalid 'target_label' for " + a + " action");
        }
        if (equalOrCase && !replacement.equals(DEFAULT_REPLACEMENT)) {
            throw new IllegalArgumentException("'replacement' can not be set for " + a + " action");
        }
        if (action == Action.LABELMAP && !TARGET_TEMPLATE.matcher(replacement).matches()) {
            throw new IllegalArgumentException("\"" + replacement + "\" is invalid 'replacement' for " + a + " action");
        }
        if ((action == Action.DROPEQUAL || action == Action.KEEPEQUAL)
                && (!regexText.equals(DEFAULT_REGEX) || modulus != 0 || !separator.equals(DEFAULT_SEPARATOR))) {
            throw new IllegalArgumentException(
                    a + " action requires only 'source_labels' and `target_label`, and no other fields");
        }
        if ((action == Action.LABELDROP || action == Action.LABELKEEP)
                && (!sourceLabels.isEmpty()
                        || !targetLabel.isEmpty()
                        || modulus != 0
                        || !separator.equals(DEFAULT_SEPARATOR)
                        || !replacement.equals(DEFAULT_REPLACEMENT))) {
            throw new IllegalArgumentException(a + " action requires only 'regex', and no other fields");
        }
    }

    /** Applies this rule to a mutable label set; false when the set is dropped. */
    boolean apply(Map<String, String> labels) {
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < sourceLabels.size(); i++) {
            if (i > 0) {
                joined.append(separator);
            }
            joined.append(labels.getOrDefault(sourceLabels.get(i), ""));
        }
        String val = joined.toString();
        switch (action) {
            case DROP -> {
                return !regex.matcher(val).matches();
            }
            case KEEP -> {
                return regex.matcher(val).matches();
            }
            case DROPEQUAL -> {
                return !labels.getOrDefault(targetLabel, "").equals(val);
            }
            case KEEPEQUAL -> {
                return labels.getOrDefault(targetLabel, "").equals(val);
            }
            case REPLACE -> replace(labels, val);
            case LOWERCASE -> set(labels, targetLabel, val.toLowerCase(Locale.ROOT));
            case UPPERCASE -> set(labels, targetLabel, val.toUpperCase(Locale.ROOT));
            case HASHMOD ->
                set(labels, targetLabel, Long.toUnsignedString(Long.remainderUnsigned(md5Tail(val), modulus)));
            case LABELMAP -> {
                for (Map.Entry<String, String> l : List.copyOf(labels.entrySet())) {
                    Matcher m = regex.matcher(l.getKey());
                    if (m.matches()) {
                        set(labels, GoTemplate.expand(replacement, m), l.getValue());
                    }
                }
            }
            case LABELDROP ->
                labels.keySet().removeIf(name -> regex.matcher(name).matches());
            case LABELKEEP ->
                labels.keySet().removeIf(name -> !regex.matcher(name).matches());
        }
        return true;
    }

    private void replace(Map<String, String> labels, String val) {
        // fast path: add or delete a label pair
        if (val.isEmpty()
                && regexText.equals(DEFAULT_REGEX)
                && !targetLabel.contains("$")
                && !replacement.contains("$")) {
            set(labels, targetLabel, replacement);
            return;
        }
        Matcher m = regex.matcher(val);
        if (!m.matches()) {
            return; // no match, no replacement
        }
        String target = GoTemplate.expand(targetLabel, m);
        if (!LabelLimits.isValidName(target)) {
            return;
        }
        set(labels, target, GoTemplate.expand(replacement, m));
    }

    /** An empty value deletes the label (as Prometheus' labels.Builder). */
    private static void set(Map<String, String> labels, String name, String value) {
        if (value.isEmpty()) {
            labels.remove(name);
        } else {
            labels.put(name, value);
        }
    }

    /** The last 8 bytes of the MD5 of the value, big-endian, as Prometheus' hashmod uses. */
    private static long md5Tail(String val) {
        try {
            byte[] hash = MessageDigest.getInstance("MD5").digest(val.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash, 8, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
