package io.weightbench.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ordered list of rules and its JSON form ({@code {"weightbench_rules": 2, "rules": [...]}}).
 * Each rule applies, in order, to the whole set of keys; applying reports, per rule, how many keys
 * it changed, and for each resulting key how its tensor is made ({@link Lineage}). Two keys mapped
 * onto one target is an error that names both.
 */
public record RuleSet(List<Rule> rules, Optional<String> preset) {

    /** The newest rules-file version this program reads and writes; every older one reads unchanged. */
    public static final int VERSION = 2;

    public RuleSet {
        rules = List.copyOf(rules);
    }

    public RuleSet(List<Rule> rules) { this(rules, Optional.empty()); }

    public static RuleSet empty() { return new RuleSet(List.of()); }

    /** The ops, by their JSON name: how each is read (its record holds the rest of its meaning). */
    @FunctionalInterface
    interface Reader {
        Rule read(RuleJson j) throws RuleException;
    }

    static final Map<String, Reader> OPS;

    static {
        Map<String, Reader> ops = new LinkedHashMap<>();
        ops.put("strip_prefix", Rule.StripPrefix::read);
        ops.put("add_prefix", Rule.AddPrefix::read);
        ops.put("replace_prefix", Rule.ReplacePrefix::read);
        ops.put("strip_suffix", Rule.StripSuffix::read);
        ops.put("regex", Rule.RegexRename::read);
        ops.put("renumber", Rule.Renumber::read);
        ops.put("map_tokens", Rule.MapTokens::read);
        ops.put("rename", Rule.Rename::read);
        ops.put("keras_names", Rule.KerasNames::read);
        ops.put("drop", Rule.Drop::read);
        ops.put("keep_only", Rule.KeepOnly::read);
        ops.put("permute", TensorRule.Permute::read);
        ops.put("transpose", TensorRule.Transpose::read);
        ops.put("slice", TensorRule.Slice::read);
        ops.put("reshape", TensorRule.Reshape::read);
        ops.put("cast", TensorRule.Cast::read);
        ops.put("adapt_input_conv", TensorRule.AdaptInputConv::read);
        ops.put("resample_pos_embed", TensorRule.ResamplePosEmbed::read);
        ops.put("layout", TensorRule.Layout::read);
        ops.put("squeeze", TensorRule.Squeeze::read);
        ops.put("unsqueeze", TensorRule.Unsqueeze::read);
        ops.put("flip", TensorRule.Flip::read);
        ops.put("reorder_blocks", TensorRule.ReorderBlocks::read);
        ops.put("unpermute_rope", TensorRule.UnpermuteRope::read);
        ops.put("add", TensorRule.Add::read);
        ops.put("replace_nonfinite", TensorRule.ReplaceNonFinite::read);
        ops.put("add_tensor", MultiKeyRule.AddTensor::read);
        ops.put("keras_recurrent", MultiKeyRule.KerasRecurrent::read);
        ops.put("keras_attention", MultiKeyRule.KerasAttention::read);
        ops.put("split", MultiKeyRule.Split::read);
        ops.put("concat", j -> MultiKeyRule.Join.read(j, false));
        ops.put("stack", j -> MultiKeyRule.Join.read(j, true));
        OPS = java.util.Collections.unmodifiableMap(ops);
    }

    /** The outcome of applying the rules: the tensors after them, what each rule did, and how each tensor is made. */
    public record Applied(List<TensorSpec> tensors, List<Integer> changedPerRule, List<String> dropped,
                          Map<String, String> renamedFrom, Map<String, Lineage> lineage) {

        /** How the tensor that ends up under {@code key} is made (a plain source when no rule changed its data). */
        public Lineage lineageOf(String key) { return lineage.getOrDefault(key, new Lineage.Source(renamedFrom.getOrDefault(key, key))); }

        /** The data of the tensor that ends up under {@code key}, from the checkpoint's tensors. */
        public TensorData data(String key, Lineage.Sources sources) throws IOException { return lineageOf(key).data(sources); }

        /** Whether any rule changes data (a tensor rule, a split or a join), not only keys. */
        public boolean changesData() {
            for (Lineage l : lineage.values()) if (l.changesData()) return true;
            return false;
        }

        /** Whether any key was renamed (then a state_dict's per-module metadata no longer lines up with the keys). */
        public boolean renamesKeys() {
            for (Map.Entry<String, String> e : renamedFrom.entrySet()) if (!e.getKey().equals(e.getValue())) return true;
            return false;
        }
    }

    /** One tensor on its way through the rules. */
    private record Item(String key, TensorSpec spec, Lineage lineage) {
        Item withKey(String k) { return new Item(k, spec.withKey(k), lineage); }
    }

    /**
     * Applies every rule in order to every key. {@code renamedFrom} maps each final key to the
     * (first) original key it came from.
     */
    public Applied apply(List<TensorSpec> tensors) throws RuleException {
        List<Integer> changed = new ArrayList<>();
        List<Item> items = new ArrayList<>();
        for (TensorSpec t : tensors) items.add(new Item(t.key(), t, new Lineage.Source(t.key())));
        for (Rule rule : rules) {
            int[] count = {0};
            items = applyOne(rule, items, count);
            changed.add(count[0]);
        }
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        Map<String, Lineage> lineage = new LinkedHashMap<>();
        Set<String> kept = new HashSet<>();
        Set<String> created = new HashSet<>();
        for (Item it : items) {
            String k = it.key();
            if (it.lineage() instanceof Lineage.Created) {
                if (origin.containsKey(k) || !created.add(k)) throw new RuleException("add_tensor: '" + k + "' is added twice, or added and also made by another rule");
                out.put(k, it.spec());
                lineage.put(k, it.lineage());
                continue;
            }
            String from = it.lineage().sources().get(0);
            if (origin.containsKey(k) || created.contains(k)) {
                throw new RuleException("rules map both '" + origin.getOrDefault(k, "(added)") + "' and '" + from + "' onto '" + k + "'");
            }
            origin.put(k, from);
            out.put(k, it.spec().withKey(k));
            if (it.lineage().changesData()) lineage.put(k, it.lineage());
            kept.addAll(it.lineage().sources());
        }
        List<String> dropped = new ArrayList<>();
        for (TensorSpec t : tensors) if (!kept.contains(t.key())) dropped.add(t.key());
        return new Applied(List.copyOf(out.values()), changed, dropped, origin, lineage);
    }

    private static List<Item> applyOne(Rule rule, List<Item> items, int[] count) throws RuleException {
        List<Item> next = new ArrayList<>(items.size());
        if (rule instanceof TensorRule tr) {
            for (Item it : items) {
                if (tr.matches(it.key())) {
                    next.add(new Item(it.key(), tr.transform(it.spec().withKey(it.key())), new Lineage.Transformed(it.lineage(), tr, it.key())));
                    count[0]++;
                } else {
                    next.add(it);
                }
            }
        } else if (rule instanceof MultiKeyRule.Split s) {
            for (Item it : items) {
                if (!s.matches(it.key())) {
                    next.add(it);
                    continue;
                }
                List<TensorSpec> parts = s.transform(it.spec().withKey(it.key()));
                for (int i = 0; i < parts.size(); i++) {
                    next.add(new Item(parts.get(i).key(), parts.get(i), new Lineage.Part(it.lineage(), s, i, it.key())));
                }
                count[0]++;
            }
        } else if (rule instanceof MultiKeyRule.Join j) {
            Map<String, Integer> byKey = new HashMap<>();
            for (int i = 0; i < items.size(); i++) {
                if (byKey.put(items.get(i).key(), i) != null) throw new RuleException(j.describe() + ": two tensors are named '" + items.get(i).key() + "' at this rule");
            }
            Map<Integer, Item> joinedAt = new HashMap<>();
            Set<Integer> consumed = new HashSet<>();
            for (Item anchor : items) {
                if (!j.matches(anchor.key()) || consumed.contains(byKey.get(anchor.key()))) continue;
                List<Integer> idx = new ArrayList<>();
                for (String p : j.partKeys(anchor.key())) {
                    Integer i = byKey.get(p);
                    if (i == null) throw new RuleException(j.describe() + ": '" + anchor.key() + "' has no part '" + p + "'");
                    if (!consumed.add(i)) throw new RuleException(j.describe() + ": '" + p + "' is a part twice");
                    idx.add(i);
                }
                String into = j.intoKey(anchor.key());
                List<TensorSpec> specs = new ArrayList<>();
                List<Lineage> lineages = new ArrayList<>();
                for (int i : idx) {
                    specs.add(items.get(i).spec().withKey(items.get(i).key()));
                    lineages.add(items.get(i).lineage());
                }
                TensorSpec joined = j.transform(specs, into);
                joinedAt.put(idx.stream().min(Integer::compare).orElseThrow(), new Item(into, joined, new Lineage.Joined(lineages, j, into)));
                count[0]++;
            }
            for (int i = 0; i < items.size(); i++) {
                if (joinedAt.containsKey(i)) next.add(joinedAt.get(i));
                if (!consumed.contains(i)) next.add(items.get(i));
            }
        } else if (rule instanceof MultiKeyRule.Layer r) {
            Map<String, Item> byKey = new LinkedHashMap<>();
            Map<String, TensorSpec> specs = new HashMap<>();
            for (Item it : items) {
                byKey.put(it.key(), it);
                specs.put(it.key(), it.spec().withKey(it.key()));
            }
            Map<String, List<Item>> madeAt = new HashMap<>();
            Set<String> consumed = new HashSet<>();
            for (Item anchor : items) {
                if (!r.matches(anchor.key())) continue;
                List<MultiKeyRule.Output> outputs = r.outputs(anchor.key(), specs);
                if (outputs.isEmpty()) continue;
                List<Item> made = new ArrayList<>();
                for (MultiKeyRule.Output o : outputs) made.add(output(o, byKey));
                consumed.addAll(r.inputs(anchor.key(), specs));
                madeAt.put(anchor.key(), made);
                count[0]++;
            }
            for (Item it : items) {
                if (madeAt.containsKey(it.key())) next.addAll(madeAt.get(it.key()));
                else if (!consumed.contains(it.key())) next.add(it);
            }
        } else if (rule instanceof MultiKeyRule.AddTensor a) {
            for (Item it : items) {
                if (it.key().equals(a.key())) throw new RuleException(a.describe() + ": the checkpoint has '" + a.key() + "' already");
            }
            next.addAll(items);
            next.add(new Item(a.key(), a.spec(), new Lineage.Created(a)));
            count[0]++;
        } else {
            for (Item it : items) {
                Optional<String> k = rule.apply(it.key());
                if (!k.equals(Optional.of(it.key()))) count[0]++;
                k.ifPresent(key -> next.add(it.withKey(key)));
            }
        }
        return next;
    }

    /** What a {@code replace_nonfinite} rule (number {@code rule} in the list, from 0) replaced in the tensor it saw as {@code key}: {@code values} of its {@code of}. */
    public record Replaced(int rule, String key, long values, long of) {}

    /**
     * What the {@code replace_nonfinite} rules replace, tensor by tensor (only those where they
     * replace something): reads the data of the tensors they match once more. {@code applied}
     * is these rules' result.
     */
    public List<Replaced> replaced(Applied applied, Lineage.Sources sources) throws IOException {
        List<Replaced> out = new ArrayList<>();
        Set<Lineage> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Lineage l : applied.lineage().values()) replaced(l, sources, seen, out);
        out.sort(java.util.Comparator.comparingInt(Replaced::rule));
        return out;
    }

    private void replaced(Lineage l, Lineage.Sources sources, Set<Lineage> seen, List<Replaced> out) throws IOException {
        if (!seen.add(l)) return; // the parts of one split share what came before it
        if (l instanceof Lineage.Transformed t) {
            replaced(t.from(), sources, seen, out);
            if (t.rule() instanceof TensorRule.ReplaceNonFinite r) {
                TensorData d = t.from().data(sources);
                long n = r.replaced(d);
                if (n > 0) out.add(new Replaced(indexOf(r), t.key(), n, d.numel()));
            }
        } else if (l instanceof Lineage.Part p) {
            replaced(p.from(), sources, seen, out);
        } else if (l instanceof Lineage.Joined j) {
            for (Lineage p : j.parts()) replaced(p, sources, seen, out);
        }
    }

    private int indexOf(Rule r) {
        for (int i = 0; i < rules.size(); i++) if (rules.get(i) == r) return i;
        return rules.indexOf(r);
    }

    /** A layer op's output as an item: its pieces made by their ops, joined when several; or a new tensor. */
    private static Item output(MultiKeyRule.Output o, Map<String, Item> byKey) throws RuleException {
        if (o.created() != null) return new Item(o.key(), o.created().spec(), new Lineage.Created(o.created()));
        List<TensorSpec> specs = new ArrayList<>();
        List<Lineage> lineages = new ArrayList<>();
        for (MultiKeyRule.Piece p : o.pieces()) {
            Item src = byKey.get(p.source());
            TensorSpec spec = src.spec().withKey(src.key());
            Lineage l = src.lineage();
            if (p.split() != null) {
                spec = p.split().transform(spec).get(p.part());
                l = new Lineage.Part(l, p.split(), p.part(), src.key());
            }
            for (TensorRule step : p.steps()) {
                spec = step.transform(spec);
                l = new Lineage.Transformed(l, step, src.key());
            }
            specs.add(spec);
            lineages.add(l);
        }
        if (lineages.size() == 1) return new Item(o.key(), specs.get(0).withKey(o.key()), lineages.get(0));
        return new Item(o.key(), o.join().transform(specs, o.key()), new Lineage.Joined(lineages, o.join(), o.key()));
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
        if (version == null || !version.isIntegralNumber()) throw new RuleException("missing \"weightbench_rules\": " + VERSION);
        if (!version.canConvertToInt() || version.asInt() < 1 || version.asInt() > VERSION) {
            throw new RuleException("rules version " + version + " is not supported (this Weightbench reads versions 1 to " + VERSION + ")");
        }
        int fileVersion = version.asInt();
        JsonNode list = root.get("rules");
        if (list == null || !list.isArray()) throw new RuleException("\"rules\" must be a list");
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode r : list) {
            try {
                Rule rule = ruleFromJson(r);
                if (rule.since() > fileVersion) {
                    throw new RuleException(rule.op() + " is a version " + rule.since() + " op: the file must say \"weightbench_rules\": " + rule.since());
                }
                rules.add(rule);
            } catch (RuleException e) {
                throw new RuleException("rule " + (i + 1) + ": " + e.getMessage());
            }
            i++;
        }
        JsonNode preset = root.get("preset");
        if (preset != null && !preset.isTextual()) throw new RuleException("\"preset\" must be a string");
        return new RuleSet(rules, Optional.ofNullable(preset).map(JsonNode::asText));
    }

    private static Rule ruleFromJson(JsonNode r) throws RuleException {
        if (!r.isObject() || !r.path("op").isTextual()) throw new RuleException("each rule is an object with an \"op\"");
        String op = r.get("op").asText();
        Reader reader = OPS.get(op);
        if (reader == null) throw new RuleException("unknown op '" + op + "' (known: " + String.join(", ", OPS.keySet()) + ")");
        return reader.read(new RuleJson(r, op));
    }

    /** The lowest rules-file version that holds these rules' ops (older readers can read what they know). */
    public int version() {
        int v = 1;
        for (Rule r : rules) v = Math.max(v, r.since());
        return preset.isPresent() ? Math.max(v, 2) : v;
    }

    /** These rules with the values they take from a checkpoint's metadata filled in (unpermute_rope's heads, keras_names' table). */
    public RuleSet resolve(Map<String, String> metadata) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            if (r instanceof TensorRule.UnpermuteRope u) out.add(u.resolve(metadata));
            else if (r instanceof Rule.KerasNames k) out.add(k.resolve(metadata));
            else out.add(r);
        }
        return new RuleSet(out, preset);
    }

    /** These rules after {@code other}'s (a preset's), keeping the preset's name. */
    public RuleSet after(RuleSet other) {
        List<Rule> all = new ArrayList<>(other.rules);
        all.addAll(rules);
        return new RuleSet(all, other.preset.or(() -> preset));
    }

    public ObjectNode toJson() {
        ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        root.put("weightbench_rules", version());
        preset.ifPresent(p -> root.put("preset", p));
        ArrayNode list = root.putArray("rules");
        for (Rule rule : rules) {
            ObjectNode o = list.addObject();
            o.put("op", rule.op());
            rule.writeJson(o);
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
