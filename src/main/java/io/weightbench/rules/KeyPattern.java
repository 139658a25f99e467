package io.weightbench.rules;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A rule's regular expression, on RE2/J: matching takes time linear in the key whatever the
 * pattern ({@code (.*.){14}#} or {@code (a|b)*c} on a 200k-character key cannot hang or overflow
 * the stack), at the price of backreferences and lookaround, which RE2 does not have.
 */
public final class KeyPattern {

    private final String source;
    private final Pattern compiled;

    private KeyPattern(String source, Pattern compiled) {
        this.source = source;
        this.compiled = compiled;
    }

    /** Patterns are a line or two; RE2/J compiles recursively and without a size limit, so these bound its work. */
    static final int MAX_LENGTH = 65_536;
    static final int MAX_NESTING = 500;
    static final long MAX_REPEAT_PRODUCT = 100_000;

    /** Compiles {@code pattern}; a syntax error (or a construct RE2 lacks) is a RuleException saying which. */
    public static KeyPattern of(String pattern) throws RuleException {
        checkSize(pattern);
        try {
            return new KeyPattern(pattern, Pattern.compile(pattern));
        } catch (PatternSyntaxException e) {
            throw new RuleException("bad regular expression '" + pattern + "': " + e.getDescription()
                    + (e.getDescription().contains("escape") && pattern.matches("(?s).*\\\\[1-9].*")
                    ? " (backreferences such as \\1 are not supported: rule patterns run on RE2, in linear time)" : ""));
        }
    }

    /**
     * Refuses what would exhaust RE2/J's stack or memory while compiling: a pattern longer than
     * {@link #MAX_LENGTH}, groups nested deeper than {@link #MAX_NESTING}, or repetition counts
     * ({@code {n}}, {@code {n,m}}) whose product exceeds {@link #MAX_REPEAT_PRODUCT} (an upper
     * bound of how often a nested repetition expands).
     */
    private static void checkSize(String pattern) throws RuleException {
        if (pattern.length() > MAX_LENGTH) throw new RuleException("regular expression of " + pattern.length() + " characters: at most " + MAX_LENGTH);
        int depth = 0;
        long product = 1;
        boolean inClass = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                if (c == ']') inClass = false;
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                if (++depth > MAX_NESTING) throw new RuleException("regular expression '" + abbreviate(pattern) + "' nests groups deeper than " + MAX_NESTING);
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (c == '{') {
                int end = pattern.indexOf('}', i);
                String body = end < 0 ? "" : pattern.substring(i + 1, end);
                if (body.matches("\\d{1,9}(,\\d{0,9})?")) {
                    String[] b = body.split(",", -1);
                    long bound = Long.parseLong(b.length > 1 && !b[1].isEmpty() ? b[1] : b[0]);
                    product = Math.min(Long.MAX_VALUE / 2, product * Math.max(1, bound));
                    if (product > MAX_REPEAT_PRODUCT) {
                        throw new RuleException("regular expression '" + abbreviate(pattern) + "': its repetition counts multiply to more than " + MAX_REPEAT_PRODUCT);
                    }
                }
            }
        }
    }

    private static String abbreviate(String s) { return s.length() <= 80 ? s : s.substring(0, 77) + "..."; }

    /** A pattern written by the program itself (known to be valid). */
    static KeyPattern literal(String pattern) {
        try {
            return of(pattern);
        } catch (RuleException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public String source() { return source; }

    public int groupCount() { return compiled.groupCount(); }

    /** Whether the pattern finds a match anywhere in the key (anchor with ^ / $ for whole keys). */
    public boolean find(String key) { return compiled.matcher(key).find(); }

    /** The groups of the first match, or null when there is none ([0] is the whole match). */
    String[] groups(String key) {
        Matcher m = compiled.matcher(key);
        if (!m.find()) return null;
        String[] g = new String[compiled.groupCount() + 1];
        for (int i = 0; i < g.length; i++) g[i] = m.group(i);
        return g;
    }

    /** Group {@code group} (a number or a name) of the first match, or null. */
    String group(String key, String group) {
        Matcher m = compiled.matcher(key);
        if (!m.find()) return null;
        return group.chars().allMatch(Character::isDigit) ? m.group(Integer.parseInt(group)) : m.group(group);
    }

    /** The first match replaced by {@code literal} (no group references). */
    String replaceFirstLiteral(String key, String literal) {
        Matcher m = compiled.matcher(key);
        if (!m.find()) return key;
        return key.substring(0, m.start()) + literal + key.substring(m.end());
    }

    /** The key cut at every match (empty tokens kept, as Python's re.split does). */
    String[] split(String key) { return compiled.split(key, -1); }

    /** Every match replaced ({@code $1}, {@code ${name}} insert groups, checked by {@link #checkReplacement}). */
    String replaceAll(String key, String replacement) {
        Matcher m = compiled.matcher(key);
        return m.find() ? m.replaceAll(replacement) : key;
    }

    /**
     * Refuses a replacement that would fail or surprise at apply time: Python's {@code \1} / {@code \g<1>}
     * (which would insert a literal "1"), a group the pattern does not have, a dangling {@code $}.
     */
    void checkReplacement(String replacement) throws RuleException {
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '\\') {
                char next = i + 1 < replacement.length() ? replacement.charAt(i + 1) : 0;
                int close = replacement.indexOf('>', i);
                boolean named = next == 'g' && i + 2 < replacement.length() && replacement.charAt(i + 2) == '<' && close > i;
                if (Character.isDigit(next) || named) {
                    String python = named ? replacement.substring(i, close + 1) : "\\" + next;
                    String java = named ? "${" + replacement.substring(i + 3, close) + "}" : "$" + next;
                    throw new RuleException("replacement '" + replacement + "': write " + java + " for a group, not Python's " + python);
                }
                i++;
            } else if (c == '$') {
                int j = i + 1;
                if (j < replacement.length() && replacement.charAt(j) == '{') {
                    int end = replacement.indexOf('}', j);
                    if (end < 0) throw new RuleException("replacement '" + replacement + "': '${' without '}'");
                    String name = replacement.substring(j + 1, end);
                    if (!compiled.namedGroups().containsKey(name)) {
                        throw new RuleException("replacement '" + replacement + "': the pattern '" + source + "' has no group named '" + name + "'");
                    }
                    i = end;
                } else if (j < replacement.length() && Character.isDigit(replacement.charAt(j))) {
                    int group = replacement.charAt(j) - '0';
                    if (group > compiled.groupCount()) {
                        throw new RuleException("replacement '" + replacement + "': the pattern '" + source + "' has " + compiled.groupCount()
                                + " group(s), not $" + group);
                    }
                    i = j;
                } else {
                    throw new RuleException("replacement '" + replacement + "': '$' must be followed by a group number or {name} (write \\$ for a dollar sign)");
                }
            }
        }
    }

    @Override public boolean equals(Object o) { return o instanceof KeyPattern k && k.source.equals(source); }

    @Override public int hashCode() { return source.hashCode(); }

    @Override public String toString() { return source; }
}
