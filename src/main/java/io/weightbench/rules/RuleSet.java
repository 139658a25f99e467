package io.weightbench.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.model.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.PatternSyntaxException;

/**
 * An ordered list of rules and its JSON form ({@code {"weightbench_rules": 1, "rules": [...]}}).
 * Applying it reports, per rule, how many keys it changed; two keys mapped onto one target is an
 * error that names both.
 */
public record RuleSet(List<Rule> rules) {

    public static final int VERSION = 1;

    public RuleSet {
        rules = List.copyOf(rules);
    }

    public static RuleSet empty() { return new RuleSet(List.of()); }

    /** The outcome of applying the rules: the renamed tensors and what each rule did. */
    public record Applied(List<TensorSpec> tensors, List<Integer> changedPerRule, List<String> dropped,
                          Map<String, String> renamedFrom, Map<String, List<TensorRule>> transforms) {

        /** The tensor rules applied to the tensor that ends up under {@code key}, in order. */
        public List<TensorRule> transformsOf(String key) { return transforms.getOrDefault(key, List.of()); }

        /** Whether any key was renamed (then a state_dict's per-module metadata no longer lines up with the keys). */
        public boolean renamesKeys() {
            for (Map.Entry<String, String> e : renamedFrom.entrySet()) if (!e.getKey().equals(e.getValue())) return true;
            return false;
        }
    }

    /**
     * Applies every rule in order to every key. {@code renamedFrom} maps each final key to the
     * original key it came from.
     */
    public Applied apply(List<TensorSpec> tensors) throws RuleException {
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) changed.add(0);
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        Map<String, List<TensorRule>> transforms = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        for (TensorSpec t : tensors) {
            Optional<String> key = Optional.of(t.key());
            TensorSpec spec = t;
            List<TensorRule> applied = new ArrayList<>();
            for (int i = 0; i < rules.size() && key.isPresent(); i++) {
                Rule rule = rules.get(i);
                if (rule instanceof TensorRule tr) {
                    if (tr.matches(key.get())) {
                        spec = tr.transform(spec.withKey(key.get()));
                        applied.add(tr);
                        changed.set(i, changed.get(i) + 1);
                    }
                    continue;
                }
                Optional<String> next = rule.apply(key.get());
                if (!next.equals(key)) changed.set(i, changed.get(i) + 1);
                key = next;
            }
            if (key.isEmpty()) {
                dropped.add(t.key());
                continue;
            }
            String k = key.get();
            if (origin.containsKey(k)) {
                throw new RuleException("rules map both '" + origin.get(k) + "' and '" + t.key() + "' onto '" + k + "'");
            }
            origin.put(k, t.key());
            out.put(k, spec.withKey(k));
            if (!applied.isEmpty()) transforms.put(k, List.copyOf(applied));
        }
        return new Applied(List.copyOf(out.values()), changed, dropped, origin, transforms);
    }

    // ---- JSON ----

    /** Rules files are a few kilobytes; this bounds what is read into memory. */
    static final long MAX_FILE = 64L << 20;

    public static RuleSet read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new RuleException(file + ": no such rules file");
        if (Files.size(file) > MAX_FILE) throw new RuleException(file + ": " + Files.size(file) + " bytes is not a rules file (over " + (MAX_FILE >> 20) + " MiB)");
        JsonNode root;
        try {
            root = io.weightbench.json.JsonTree.read(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RuleException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return fromJson(root);
        } catch (RuleException e) {
            throw new RuleException(file + ": " + e.getMessage());
        }
    }

    public static RuleSet fromJson(JsonNode root) throws RuleException {
        if (root == null || !root.isObject()) throw new RuleException("a rules file is a JSON object with \"weightbench_rules\" and \"rules\"");
        JsonNode version = root.get("weightbench_rules");
        if (version == null || !version.canConvertToInt()) throw new RuleException("missing \"weightbench_rules\": " + VERSION);
        if (version.asInt() != VERSION) {
            throw new RuleException("rules version " + version.asInt() + " is not supported (this Weightbench reads version " + VERSION + ")");
        }
        JsonNode list = root.get("rules");
        if (list == null || !list.isArray()) throw new RuleException("\"rules\" must be a list");
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode r : list) {
            try {
                rules.add(ruleFromJson(r));
            } catch (RuleException e) {
                throw new RuleException("rule " + (i + 1) + ": " + e.getMessage());
            }
            i++;
        }
        return new RuleSet(rules);
    }

    private static Rule ruleFromJson(JsonNode r) throws RuleException {
        if (!r.isObject() || !r.path("op").isTextual()) throw new RuleException("each rule is an object with an \"op\"");
        String op = r.get("op").asText();
        try {
            return switch (op) {
                case "strip_prefix" -> new Rule.StripPrefix(text(r, "prefix"));
                case "add_prefix" -> new Rule.AddPrefix(text(r, "prefix"));
                case "replace_prefix" -> new Rule.ReplacePrefix(text(r, "from"), text(r, "to"));
                case "regex" -> new Rule.RegexRename(text(r, "pattern"), text(r, "replace"));
                case "rename" -> new Rule.Rename(text(r, "from"), text(r, "to"));
                case "drop" -> new Rule.Drop(text(r, "pattern"));
                case "keep_only" -> new Rule.KeepOnly(text(r, "pattern"));
                case "permute" -> new TensorRule.Permute(text(r, "match"), ints(r, "dims"));
                case "transpose" -> new TensorRule.Transpose(text(r, "match"), integer(r, "dim0"), integer(r, "dim1"));
                case "slice" -> new TensorRule.Slice(text(r, "match"), integer(r, "dim"), r.path("start").asLong(0),
                        longValue(r, "end"), r.path("step").asLong(1));
                case "reshape" -> new TensorRule.Reshape(text(r, "match"), longs(r, "shape"));
                case "cast" -> new TensorRule.Cast(text(r, "match"), io.weightbench.tensor.DType.fromTorchName(text(r, "dtype"))
                        .orElseThrow(() -> new RuleException("cast: unknown dtype '" + r.get("dtype").asText() + "'")));
                case "adapt_input_conv" -> new TensorRule.AdaptInputConv(text(r, "match"), integer(r, "in_chans"));
                case "resample_pos_embed" -> {
                    int[] grid = ints(r, "grid");
                    if (grid.length != 2) throw new RuleException("resample_pos_embed needs \"grid\": [height, width]");
                    yield new TensorRule.ResamplePosEmbed(text(r, "match"), grid[0], grid[1], r.path("prefix_tokens").asInt(1),
                            r.path("antialias").asBoolean(true));
                }
                default -> throw new RuleException("unknown op '" + op + "' (known: strip_prefix, add_prefix, replace_prefix,"
                        + " regex, rename, drop, keep_only, permute, transpose, slice, reshape, cast, adapt_input_conv, resample_pos_embed)");
            };
        } catch (PatternSyntaxException e) {
            throw new RuleException(op + ": bad regular expression: " + e.getDescription() + " in '" + e.getPattern() + "'");
        }
    }

    private static int integer(JsonNode r, String field) throws RuleException {
        JsonNode v = r.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw new RuleException(r.get("op").asText() + " needs an integer \"" + field + "\"");
        return v.asInt();
    }

    private static long longValue(JsonNode r, String field) throws RuleException {
        JsonNode v = r.get(field);
        if (v == null || !v.isIntegralNumber()) throw new RuleException(r.get("op").asText() + " needs an integer \"" + field + "\"");
        return v.asLong();
    }

    private static long[] longs(JsonNode r, String field) throws RuleException {
        JsonNode v = r.get(field);
        if (v == null || !v.isArray()) throw new RuleException(r.get("op").asText() + " needs a list \"" + field + "\"");
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber()) throw new RuleException(r.get("op").asText() + ": \"" + field + "\" must hold integers");
            out[i] = v.get(i).asLong();
        }
        return out;
    }

    private static int[] ints(JsonNode r, String field) throws RuleException {
        long[] l = longs(r, field);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    private static String text(JsonNode r, String field) throws RuleException {
        JsonNode v = r.get(field);
        if (v == null || !v.isTextual()) throw new RuleException(r.get("op").asText() + " needs a string \"" + field + "\"");
        return v.asText();
    }

    public ObjectNode toJson() {
        ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        root.put("weightbench_rules", VERSION);
        ArrayNode list = root.putArray("rules");
        for (Rule rule : rules) {
            ObjectNode o = list.addObject();
            o.put("op", rule.op());
            if (rule instanceof Rule.StripPrefix s) {
                o.put("prefix", s.prefix());
            } else if (rule instanceof Rule.AddPrefix a) {
                o.put("prefix", a.prefix());
            } else if (rule instanceof Rule.ReplacePrefix p) {
                o.put("from", p.from()).put("to", p.to());
            } else if (rule instanceof Rule.RegexRename x) {
                o.put("pattern", x.pattern()).put("replace", x.replace());
            } else if (rule instanceof Rule.Rename n) {
                o.put("from", n.from()).put("to", n.to());
            } else if (rule instanceof Rule.Drop d) {
                o.put("pattern", d.pattern());
            } else if (rule instanceof Rule.KeepOnly k) {
                o.put("pattern", k.pattern());
            } else if (rule instanceof TensorRule.Permute p) {
                o.put("match", p.match());
                for (int d : p.dims()) o.withArray("dims").add(d);
            } else if (rule instanceof TensorRule.Transpose t) {
                o.put("match", t.match()).put("dim0", t.dim0()).put("dim1", t.dim1());
            } else if (rule instanceof TensorRule.Slice sl) {
                o.put("match", sl.match()).put("dim", sl.dim()).put("start", sl.start()).put("end", sl.end()).put("step", sl.step());
            } else if (rule instanceof TensorRule.Reshape rs) {
                o.put("match", rs.match());
                for (long d : rs.shape()) o.withArray("shape").add(d);
            } else if (rule instanceof TensorRule.Cast c) {
                o.put("match", c.match()).put("dtype", c.dtype().torchName());
            } else if (rule instanceof TensorRule.AdaptInputConv a) {
                o.put("match", a.match()).put("in_chans", a.inChans());
            } else if (rule instanceof TensorRule.ResamplePosEmbed p) {
                o.put("match", p.match());
                o.putArray("grid").add(p.gridH()).add(p.gridW());
                o.put("prefix_tokens", p.prefixTokens()).put("antialias", p.antialias());
            }
        }
        return root;
    }

    public void write(Path file) throws IOException {
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), toJson());
    }

    /** Created on first write only: databind takes a while to start (reading goes through JsonTree). */
    static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
