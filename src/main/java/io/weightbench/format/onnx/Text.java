package io.weightbench.format.onnx;

/**
 * Names and values from the file, made safe and short for messages and metadata: a name may hold
 * any bytes, and a refusal must stay one line.
 */
final class Text {

    private Text() {}

    /** A name as quoted in a message or a metadata key: control characters escaped, at most 120 characters. */
    static String shorten(String s) {
        return abbreviate(s, 120);
    }

    static String abbreviate(String s, int max) {
        String cut = s.length() > max ? s.substring(0, max) : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (cut.length() < s.length()) b.append("... (").append(s.length()).append(" characters)");
        return b.toString();
    }

    /** Whether a name holds control characters (a file location with them is refused, not resolved). */
    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) return true;
        }
        return false;
    }
}
