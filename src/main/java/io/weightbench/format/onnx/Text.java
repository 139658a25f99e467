package io.weightbench.format.onnx;

/** Names and values from the file, shortened for messages and metadata. */
final class Text {

    private Text() {}

    /** A name as quoted in a message or used in a metadata key: at most 120 characters. */
    static String shorten(String s) {
        return abbreviate(s, 120);
    }

    static String abbreviate(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "... (" + s.length() + " characters)" : s;
    }
}
