package io.weightbench.rules;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One key-mapping rule. Rules apply in order to the keys of a checkpoint's weights entry; each
 * maps a key to a new key, leaves it, or drops it. The JSON form is documented in
 * {@code docs/rules.md} and read by {@link RuleSet}.
 */
public sealed interface Rule permits Rule.StripPrefix, Rule.AddPrefix, Rule.ReplacePrefix, Rule.RegexRename,
        Rule.Rename, Rule.Drop, Rule.KeepOnly, TensorRule {

    /** The rule's name in JSON ({@code strip_prefix}, ...). */
    String op();

    /** The key after this rule: the same key when the rule does not touch it, empty when it drops it. */
    Optional<String> apply(String key);

    /** A short human description ({@code strip 'module.'}). */
    String describe();

    /** {@code module.conv1.weight} -> {@code conv1.weight}. */
    record StripPrefix(String prefix) implements Rule {
        public String op() { return "strip_prefix"; }

        public Optional<String> apply(String key) {
            return Optional.of(key.startsWith(prefix) ? key.substring(prefix.length()) : key);
        }

        public String describe() { return "strip '" + prefix + "'"; }
    }

    /** {@code conv1.weight} -> {@code backbone.conv1.weight}. */
    record AddPrefix(String prefix) implements Rule {
        public String op() { return "add_prefix"; }

        public Optional<String> apply(String key) { return Optional.of(prefix + key); }

        public String describe() { return "add '" + prefix + "'"; }
    }

    /** {@code backbone.layer1} -> {@code encoder.layer1}; an empty {@code to} strips. */
    record ReplacePrefix(String from, String to) implements Rule {
        public String op() { return "replace_prefix"; }

        public Optional<String> apply(String key) {
            return Optional.of(key.startsWith(from) ? to + key.substring(from.length()) : key);
        }

        public String describe() { return "'" + from + "' -> '" + to + "'"; }
    }

    /**
     * A regular-expression rename (Java syntax; {@code $1} or {@code ${name}} in the replacement
     * refer to groups). Keys that do not match are left alone.
     */
    record RegexRename(String pattern, String replace, Pattern compiled) implements Rule {
        public RegexRename(String pattern, String replace) {
            this(pattern, replace, Pattern.compile(pattern));
        }

        public String op() { return "regex"; }

        public Optional<String> apply(String key) {
            Matcher m = compiled.matcher(key);
            return Optional.of(m.find() ? m.replaceAll(replace) : key);
        }

        public String describe() { return "s/" + pattern + "/" + replace + "/"; }

        @Override public boolean equals(Object o) {
            return o instanceof RegexRename r && r.pattern.equals(pattern) && r.replace.equals(replace);
        }

        @Override public int hashCode() { return pattern.hashCode() * 31 + replace.hashCode(); }
    }

    /** One exact key to another. */
    record Rename(String from, String to) implements Rule {
        public String op() { return "rename"; }

        public Optional<String> apply(String key) { return Optional.of(key.equals(from) ? to : key); }

        public String describe() { return from + " -> " + to; }
    }

    /** Drops the keys a regular expression finds a match in. */
    record Drop(String pattern, Pattern compiled) implements Rule {
        public Drop(String pattern) { this(pattern, Pattern.compile(pattern)); }

        public String op() { return "drop"; }

        public Optional<String> apply(String key) {
            return compiled.matcher(key).find() ? Optional.empty() : Optional.of(key);
        }

        public String describe() { return "drop /" + pattern + "/"; }

        @Override public boolean equals(Object o) { return o instanceof Drop d && d.pattern.equals(pattern); }

        @Override public int hashCode() { return pattern.hashCode(); }
    }

    /** Keeps only the keys a regular expression finds a match in. */
    record KeepOnly(String pattern, Pattern compiled) implements Rule {
        public KeepOnly(String pattern) { this(pattern, Pattern.compile(pattern)); }

        public String op() { return "keep_only"; }

        public Optional<String> apply(String key) {
            return compiled.matcher(key).find() ? Optional.of(key) : Optional.empty();
        }

        public String describe() { return "keep only /" + pattern + "/"; }

        @Override public boolean equals(Object o) { return o instanceof KeepOnly k && k.pattern.equals(pattern); }

        @Override public int hashCode() { return pattern.hashCode(); }
    }
}
