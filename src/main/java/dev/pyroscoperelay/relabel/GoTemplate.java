package dev.pyroscoperelay.relabel;

import java.util.regex.Matcher;

/**
 * Go's regexp template expansion, which Prometheus' relabeling uses for {@code replacement} and {@code target_label}:
 * {@code $1}, {@code ${1}}, {@code $name}, {@code ${name}}, {@code $$}; the name is the longest run of letters, digits
 * and underscores ({@code $1x} is the group named "1x", which is empty). Java's {@code Matcher.appendReplacement}
 * differs ({@code $1x} is group 1 then "x"), so it cannot be used.
 */
final class GoTemplate {
    private GoTemplate() {}

    static String expand(String template, Matcher m) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                i++;
                continue;
            }
            char next = template.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            String name;
            int end;
            if (next == '{') {
                int close = template.indexOf('}', i + 2);
                if (close < 0 || !template.substring(i + 2, close).matches("\\w+")) {
                    out.append(c);
                    i++;
                    continue;
                }
                name = template.substring(i + 2, close);
                end = close + 1;
            } else {
                end = i + 1;
                while (end < template.length()
                        && (Character.isLetterOrDigit(template.charAt(end)) || template.charAt(end) == '_')) {
                    end++;
                }
                if (end == i + 1) {
                    out.append(c);
                    i++;
                    continue;
                }
                name = template.substring(i + 1, end);
            }
            out.append(group(m, name));
            i = end;
        }
        return out.toString();
    }

    private static String group(Matcher m, String name) {
        String g = null;
        if (name.chars().allMatch(Character::isDigit)) {
            try {
                int n = Integer.parseInt(name);
                if (n <= m.groupCount()) {
                    g = m.group(n);
                }
            } catch (NumberFormatException e) {
                // a number too large to be a group: empty
            }
        } else {
            try {
                g = m.group(name);
            } catch (IllegalArgumentException e) {
                // no group of that name: empty
            }
        }
        return g == null ? "" : g;
    }
}
