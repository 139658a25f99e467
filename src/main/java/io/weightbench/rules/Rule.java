package io.weightbench.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One rule. Rules apply in order to the keys of a checkpoint's weights entry; a key rule maps a
 * key to a new key, leaves it, or drops it ({@link TensorRule}s change tensors, {@link MultiKeyRule}s
 * (split, concat, stack) change how many there are). Each op is one record here or in
 * TensorRule / MultiKeyRule that holds all of its meaning: its JSON form ({@code read} and
 * {@link #writeJson}), its effect on keys and shapes, and its effect on data. The JSON is
 * documented in {@code docs/rules.md}; {@link RuleSet} lists the ops.
 */
public sealed interface Rule permits Rule.StripPrefix, Rule.AddPrefix, Rule.ReplacePrefix, Rule.StripSuffix, Rule.RegexRename,
        Rule.Renumber, Rule.MapTokens, Rule.Rename, Rule.KerasNames, Rule.Drop, Rule.KeepOnly, TensorRule, MultiKeyRule {

    /** The rule's name in JSON ({@code strip_prefix}, ...). */
    String op();

    /** The key after this rule: the same key when the rule does not touch it, empty when it drops it. */
    Optional<String> apply(String key);

    /** A short human description ({@code strip 'module.'}). */
    String describe();

    /** Writes the rule's fields (all but {@code op}) into its JSON object. */
    void writeJson(ObjectNode o);

    /** The rules-file version that introduced the op: a file is written with the lowest version that holds its ops. */
    default int since() { return 1; }

    /** {@code module.conv1.weight} -> {@code conv1.weight}. */
    record StripPrefix(String prefix) implements Rule {
        static StripPrefix read(RuleJson j) throws RuleException { return new StripPrefix(j.text("prefix")); }

        public String op() { return "strip_prefix"; }

        public Optional<String> apply(String key) {
            return Optional.of(key.startsWith(prefix) ? key.substring(prefix.length()) : key);
        }

        public String describe() { return "strip '" + prefix + "'"; }

        public void writeJson(ObjectNode o) { o.put("prefix", prefix); }
    }

    /** {@code conv1.weight} -> {@code backbone.conv1.weight}. */
    record AddPrefix(String prefix) implements Rule {
        static AddPrefix read(RuleJson j) throws RuleException { return new AddPrefix(j.text("prefix")); }

        public String op() { return "add_prefix"; }

        public Optional<String> apply(String key) { return Optional.of(prefix + key); }

        public String describe() { return "add '" + prefix + "'"; }

        public void writeJson(ObjectNode o) { o.put("prefix", prefix); }
    }

    /** {@code backbone.layer1} -> {@code encoder.layer1}; an empty {@code to} strips. */
    record ReplacePrefix(String from, String to) implements Rule {
        static ReplacePrefix read(RuleJson j) throws RuleException { return new ReplacePrefix(j.text("from"), j.text("to")); }

        public String op() { return "replace_prefix"; }

        public Optional<String> apply(String key) {
            return Optional.of(key.startsWith(from) ? to + key.substring(from.length()) : key);
        }

        public String describe() { return "'" + from + "' -> '" + to + "'"; }

        public void writeJson(ObjectNode o) { o.put("from", from).put("to", to); }
    }

    /** {@code dense/kernel:0} -> {@code dense/kernel} (TensorFlow's output index). */
    record StripSuffix(String suffix) implements Rule {
        static StripSuffix read(RuleJson j) throws RuleException { return new StripSuffix(j.text("suffix")); }

        public String op() { return "strip_suffix"; }

        public Optional<String> apply(String key) {
            return Optional.of(key.endsWith(suffix) ? key.substring(0, key.length() - suffix.length()) : key);
        }

        public String describe() { return "strip suffix '" + suffix + "'"; }

        public void writeJson(ObjectNode o) { o.put("suffix", suffix); }

        public int since() { return 2; }
    }

    /**
     * A regular-expression rename (RE2 syntax; {@code $1} or {@code ${name}} in the replacement
     * refer to groups, {@code \$} is a dollar sign). Keys without a match are left alone. Python's
     * {@code \1} is refused with a message saying to write {@code $1}.
     */
    record RegexRename(KeyPattern pattern, String replace) implements Rule {
        public RegexRename {
            try {
                pattern.checkReplacement(replace);
            } catch (RuleException e) {
                throw new IllegalArgumentException("regex: " + e.getMessage());
            }
        }

        public RegexRename(String pattern, String replace) { this(KeyPattern.literal(pattern), replace); }

        static RegexRename read(RuleJson j) throws RuleException {
            KeyPattern p = j.pattern("pattern");
            return new RegexRename(p, j.replacement(p, "replace"));
        }

        public String op() { return "regex"; }

        public Optional<String> apply(String key) { return Optional.of(pattern.replaceAll(key, replace)); }

        public String describe() { return "s/" + pattern + "/" + replace + "/"; }

        public void writeJson(ObjectNode o) { o.put("pattern", pattern.source()).put("replace", replace); }
    }

    /**
     * A rename with arithmetic on captured numbers: where {@code pattern} matches, {@code replace}
     * is inserted with {@code $n} / {@code ${name}} replaced by the group, plus {@code add[group]}
     * when the group is listed there ({@code block_1} -> {@code blocks.0} with add {"1": -1}).
     */
    record Renumber(KeyPattern pattern, String replace, Map<String, Long> add) implements Rule {
        public Renumber {
            add = Map.copyOf(add);
        }

        static Renumber read(RuleJson j) throws RuleException {
            KeyPattern p = j.pattern("pattern");
            String replace = j.replacement(p, "replace");
            Map<String, Long> add = new LinkedHashMap<>();
            if (j.has("add")) {
                var node = j.node().get("add");
                if (!node.isObject()) throw new RuleException("renumber: \"add\" maps group numbers or names to integers");
                for (var it = node.fieldNames(); it.hasNext(); ) {
                    String g = it.next();
                    add.put(g, new RuleJson(node, "renumber: \"add\"").longValue(g));
                }
            }
            return new Renumber(p, replace, add);
        }

        public String op() { return "renumber"; }

        public Optional<String> apply(String key) {
            if (!pattern.find(key)) return Optional.of(key);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < replace.length(); i++) {
                char c = replace.charAt(i);
                if (c == '\\' && i + 1 < replace.length()) {
                    out.append(replace.charAt(++i));
                } else if (c == '$') {
                    String group;
                    if (replace.charAt(i + 1) == '{') {
                        int end = replace.indexOf('}', i);
                        group = replace.substring(i + 2, end);
                        i = end;
                    } else {
                        group = String.valueOf(replace.charAt(++i));
                    }
                    String value = pattern.group(key, group);
                    Long delta = add.get(group);
                    if (delta != null && value != null && value.matches("-?\\d{1,18}")) value = Long.toString(Long.parseLong(value) + delta);
                    out.append(value == null ? "" : value);
                } else {
                    out.append(c);
                }
            }
            return Optional.of(pattern.replaceFirstLiteral(key, out.toString()));
        }

        public String describe() { return "s/" + pattern + "/" + replace + "/ " + add; }

        public void writeJson(ObjectNode o) {
            o.put("pattern", pattern.source()).put("replace", replace);
            ObjectNode a = o.putObject("add");
            add.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> a.put(e.getKey(), e.getValue()));
        }

        public int since() { return 2; }
    }

    /**
     * Splits a key into tokens at {@code split} (a regular expression), maps whole tokens through
     * {@code map} and joins them with {@code join}: {@code dense_1/kernel} -> {@code dense_1.weight}
     * with split "/", join ".", map {kernel: weight}.
     */
    record MapTokens(KeyPattern split, String join, Map<String, String> map) implements Rule {
        public MapTokens {
            map = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
        }

        static MapTokens read(RuleJson j) throws RuleException {
            return new MapTokens(j.has("split") ? j.pattern("split") : KeyPattern.literal("\\."), j.text("join", "."), j.textMap("map"));
        }

        public String op() { return "map_tokens"; }

        public Optional<String> apply(String key) {
            String[] tokens = split.split(key);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < tokens.length; i++) {
                if (i > 0) out.append(join);
                out.append(map.getOrDefault(tokens[i], tokens[i]));
            }
            return Optional.of(out.toString());
        }

        public String describe() { return "tokens split /" + split + "/ joined '" + join + "' " + map; }

        public void writeJson(ObjectNode o) {
            o.put("split", split.source()).put("join", join);
            ObjectNode m = o.putObject("map");
            map.forEach(m::put);
        }

        public int since() { return 2; }
    }

    /** One exact key to another. */
    record Rename(String from, String to) implements Rule {
        static Rename read(RuleJson j) throws RuleException { return new Rename(j.text("from"), j.text("to")); }

        public String op() { return "rename"; }

        public Optional<String> apply(String key) { return Optional.of(key.equals(from) ? to : key); }

        public String describe() { return from + " -> " + to; }

        public void writeJson(ObjectNode o) { o.put("from", from).put("to", to); }
    }

    /**
     * Renames keys by a table taken from the checkpoint's metadata: {@code names} is the name of a
     * metadata key whose value is a JSON object {key: new key} (the Keras 3 reader's
     * {@code keras_weight_names}: {@code layers/conv2d/vars/0} -> {@code layers/conv2d/kernel}), read
     * when the rules are applied to a checkpoint ({@link RuleSet#resolve}) and written resolved, as
     * the table itself; unresolved (no such metadata: a Keras 2 file) it leaves every key.
     */
    record KerasNames(String from, Map<String, String> names) implements Rule {
        public KerasNames {
            names = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(names));
        }

        static KerasNames read(RuleJson j) throws RuleException {
            com.fasterxml.jackson.databind.JsonNode n = j.node().path("names");
            if (n.isTextual()) return new KerasNames(n.asText(), Map.of());
            if (!n.isObject()) throw new RuleException("keras_names needs 'names': a metadata key or an object {key: new key}");
            Map<String, String> table = new LinkedHashMap<>();
            for (var it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual()) throw new RuleException("keras_names: the new name of '" + e.getKey() + "' is not a string");
                table.put(e.getKey(), e.getValue().asText());
            }
            return new KerasNames(null, table);
        }

        /** This rule with the table read from the checkpoint's metadata, when it names a key there that holds one. */
        KerasNames resolve(Map<String, String> metadata) {
            String v = from == null ? null : metadata.get(from);
            if (v == null) return this;
            try {
                return read(new RuleJson(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                        .set("names", io.weightbench.json.JsonTree.read(v.getBytes(java.nio.charset.StandardCharsets.UTF_8))), op()));
            } catch (java.io.IOException | RuntimeException e) {
                return this;
            }
        }

        public String op() { return "keras_names"; }

        public Optional<String> apply(String key) { return Optional.of(names.getOrDefault(key, key)); }

        public String describe() {
            return from != null ? "keras_names from metadata '" + from + "'" : "keras_names (" + names.size() + " names)";
        }

        public void writeJson(ObjectNode o) {
            if (from != null) {
                o.put("names", from);
                return;
            }
            ObjectNode t = o.putObject("names");
            names.forEach(t::put);
        }

        public int since() { return 2; }
    }

    /** Drops the keys a regular expression finds a match in. */
    record Drop(KeyPattern pattern) implements Rule {
        public Drop(String pattern) { this(KeyPattern.literal(pattern)); }

        static Drop read(RuleJson j) throws RuleException { return new Drop(j.pattern("pattern")); }

        public String op() { return "drop"; }

        public Optional<String> apply(String key) { return pattern.find(key) ? Optional.empty() : Optional.of(key); }

        public String describe() { return "drop /" + pattern + "/"; }

        public void writeJson(ObjectNode o) { o.put("pattern", pattern.source()); }
    }

    /** Keeps only the keys a regular expression finds a match in. */
    record KeepOnly(KeyPattern pattern) implements Rule {
        public KeepOnly(String pattern) { this(KeyPattern.literal(pattern)); }

        static KeepOnly read(RuleJson j) throws RuleException { return new KeepOnly(j.pattern("pattern")); }

        public String op() { return "keep_only"; }

        public Optional<String> apply(String key) { return pattern.find(key) ? Optional.of(key) : Optional.empty(); }

        public String describe() { return "keep only /" + pattern + "/"; }

        public void writeJson(ObjectNode o) { o.put("pattern", pattern.source()); }
    }
}
