package io.weightbench.format.tf;

import io.weightbench.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TensorFlow's {@code checkpoint} state file: a text-format CheckpointState naming the latest
 * checkpoint's prefix ({@code model_checkpoint_path: "ckpt-12"}). Recognised by content; the
 * prefix is read from the first {@code model_checkpoint_path} field (C-escaped, as text protos are).
 */
record CheckpointState(String prefix) {

    /** State files are a few lines; anything larger is not one. */
    static final int MAX_SIZE = 1 << 20;
    private static final Pattern START = Pattern.compile("\\A\\s*model_checkpoint_path\\s*:");

    /** Whether the head of a file looks like a state file. */
    static boolean looksLikeState(byte[] head) {
        return START.matcher(new String(head, StandardCharsets.ISO_8859_1)).find();
    }

    /** The state in a file's text, or empty if it is not a state file. */
    static Optional<CheckpointState> parse(byte[] text) throws FormatException {
        String s = new String(text, StandardCharsets.ISO_8859_1);
        Matcher m = START.matcher(s);
        if (!m.find()) return Optional.empty();
        int i = m.end();
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        if (i >= s.length() || s.charAt(i) != '"') return Optional.empty();
        // the quoted string, scanned by hand: a regular expression over a long one would recurse deeply
        int begin = ++i;
        while (i < s.length() && s.charAt(i) != '"' && s.charAt(i) != '\n') i += s.charAt(i) == '\\' ? 2 : 1;
        if (i >= s.length() || s.charAt(i) != '"') throw new FormatException("has an unterminated model_checkpoint_path");
        String prefix = unescape(s.substring(begin, i));
        if (prefix.isEmpty()) throw new FormatException("names an empty model_checkpoint_path");
        return Optional.of(new CheckpointState(prefix));
    }

    /** Undoes C escaping ({@code \"}, {@code \\}, {@code \n}, octal and hex bytes) on text read as Latin-1, giving UTF-8. */
    private static String unescape(String s) throws FormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (++i >= s.length()) throw new FormatException("has a malformed escape in model_checkpoint_path");
            char e = s.charAt(i);
            switch (e) {
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case '"', '\'', '\\', '?' -> out.write(e);
                case 'x' -> {
                    int j = i + 1;
                    while (j < s.length() && j < i + 3 && Character.digit(s.charAt(j), 16) >= 0) j++;
                    if (j == i + 1) throw new FormatException("has a malformed escape in model_checkpoint_path");
                    out.write(Integer.parseInt(s.substring(i + 1, j), 16));
                    i = j - 1;
                }
                default -> {
                    if (e < '0' || e > '7') throw new FormatException("has an unknown escape \\" + e + " in model_checkpoint_path");
                    int j = i;
                    while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') j++;
                    out.write(Integer.parseInt(s.substring(i, j), 8) & 0xff);
                    i = j - 1;
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
