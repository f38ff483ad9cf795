package dev.pyroscoperelay.upload;

import java.util.Map;

/** Pyroscope's default ingestion limits; checked before anything is forwarded so a server never sees a refused series. */
public final class LabelLimits {
    public static final int MAX_LABELS = 30;
    public static final int MAX_NAME_LENGTH = 1024;
    public static final int MAX_VALUE_LENGTH = 2048;

    private LabelLimits() {}

    /** Label names: [A-Za-z0-9_.]; a leading digit is refused as Prometheus does. */
    public static boolean isValidName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || c == '_'
                    || c == '.'
                    || (c >= '0' && c <= '9' && i > 0);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static void check(Map<String, String> labels) {
        if (labels.size() > MAX_LABELS) {
            throw new InvalidProfileException(
                    "too many labels: " + labels.size() + " (service_name included), the limit is " + MAX_LABELS);
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String name = e.getKey();
            if (name.length() > MAX_NAME_LENGTH) {
                throw new InvalidProfileException(
                        "label name longer than " + MAX_NAME_LENGTH + " bytes: " + abbreviate(name));
            }
            if (!isValidName(name) && !"__name__".equals(name) && !"__delta__".equals(name)) {
                throw new InvalidProfileException(
                        "invalid label name '" + abbreviate(name) + "': use letters, digits, '_' and '.'");
            }
            if (e.getValue().length() > MAX_VALUE_LENGTH) {
                throw new InvalidProfileException(
                        "value of label '" + abbreviate(name) + "' longer than " + MAX_VALUE_LENGTH + " bytes");
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
