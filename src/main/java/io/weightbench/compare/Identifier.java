package io.weightbench.compare;

import io.weightbench.model.Catalog;
import io.weightbench.model.CatalogModel;
import io.weightbench.model.CatalogOptions;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * "Which model is this?" among every catalog architecture. Two stages: the catalog is indexed by
 * shape signatures (shapes; keys aside, so a prefix or a wrapper changes nothing, and dtypes, as torch
 * casts a float16 checkpoint into a float32 model), and the
 * architectures whose signatures overlap the checkpoint's most are then compared key by key once
 * the checkpoint's prefix is lined up with the model's; a head or stem that differs only by timm's
 * num_classes / in_chans becomes that option. The score is the matched keys over the larger of the two key counts, so neither a
 * smaller sibling (resnet34 inside a resnet50) nor a larger one can score as high as the right one.
 */
public final class Identifier {

    /** How many architectures (groups of identical ones) the second stage compares key by key. */
    static final int SHORTLIST = 12;

    /** A dotted suffix shared by more model keys than this ({@code weight}) aligns nothing. */
    static final int AMBIGUOUS = 4;

    /**
     * How well one architecture fits once the prefixes are lined up ({@code rules}: 1 if that took a
     * prefix change). {@code same}: other catalog
     * architectures whose state_dict is identical (a checkpoint cannot tell them apart).
     */
    public record Candidate(String model, int matched, int modelKeys, int checkpointKeys, int missing, int unexpected,
                            int mismatched, int rules, List<String> same) {
        /** Matched keys over the model's keys. */
        public double fit() { return modelKeys == 0 ? 0 : (double) matched / modelKeys; }

        /** Matched keys over the larger of the model's and the checkpoint's key counts: the ranking. */
        public double score() { return Math.max(modelKeys, checkpointKeys) == 0 ? 0 : (double) matched / Math.max(modelKeys, checkpointKeys); }
    }

    private Identifier() {}

    /** The catalog's shape signatures, built on first use. */
    private static final class Index {
        static final Index INSTANCE = new Index();

        /** One per distinct state_dict: the architectures that have it and how many keys it has. */
        record Group(List<CatalogModel> models, int keys) {}

        final List<Group> groups = new ArrayList<>();
        /**
         * By signature number ({@link Catalog#signatureId}, dense from 0): the groups holding it and
         * how often, as pairs (group, count) in one array; primitive arrays, as a new process builds
         * this interpreted.
         */
        final int[][] postings;

        private Index() {
            Map<String, Integer> groupOf = new HashMap<>();
            List<CatalogModel> firsts = new ArrayList<>();
            int signatures = 0;
            for (CatalogModel m : Catalog.models()) {
                int keys = 0;
                for (int c : m.signatureCounts()) keys += c;
                Integer g = m.sameAs().map(groupOf::get).orElse(null);
                if (g != null) {
                    List<CatalogModel> members = new ArrayList<>(groups.get(g).models());
                    members.add(m);
                    groups.set(g, new Group(members, keys));
                    groupOf.put(m.name(), g);
                    continue;
                }
                groupOf.put(m.name(), groups.size());
                groups.add(new Group(List.of(m), keys));
                firsts.add(m);
                for (int id : m.signatureIds()) signatures = Math.max(signatures, id + 1);
            }
            int[] size = new int[signatures];
            for (CatalogModel m : firsts) for (int id : m.signatureIds()) size[id] += 2;
            postings = new int[signatures][];
            for (int id = 0; id < signatures; id++) postings[id] = new int[size[id]];
            int[] fill = new int[signatures];
            for (int g = 0; g < firsts.size(); g++) {
                int[] ids = firsts.get(g).signatureIds();
                int[] counts = firsts.get(g).signatureCounts();
                for (int i = 0; i < ids.length; i++) {
                    int[] p = postings[ids[i]];
                    p[fill[ids[i]]++] = g;
                    p[fill[ids[i]]++] = counts[i];
                }
            }
        }

        /** The groups by how many of the checkpoint's signatures they hold (over the larger key count), best first. */
        List<Integer> shortlist(List<TensorSpec> checkpoint, int n) {
            int[] counts = new int[postings.length];
            for (TensorSpec t : checkpoint) {
                int id = Catalog.signatureId(Catalog.signature(t));
                if (id >= 0 && id < counts.length) counts[id]++;
            }
            int[] overlap = new int[groups.size()];
            for (int id = 0; id < counts.length; id++) {
                if (counts[id] == 0) continue;
                int[] p = postings[id];
                for (int i = 0; i < p.length; i += 2) overlap[p[i]] += Math.min(counts[id], p[i + 1]);
            }
            double[] score = new double[groups.size()];
            Integer[] order = new Integer[groups.size()];
            for (int g = 0; g < groups.size(); g++) {
                score[g] = (double) overlap[g] / Math.max(1, Math.max(groups.get(g).keys(), checkpoint.size()));
                order[g] = g;
            }
            Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
            return Arrays.asList(order).subList(0, Math.min(n, order.length));
        }
    }

    /** Loads the catalog and builds the index now (otherwise the first {@link #rank} does). */
    public static void warmUp() {
        Index.INSTANCE.groups.size();
    }

    public static List<Candidate> rank(List<TensorSpec> checkpoint) throws IOException {
        Index index = Index.INSTANCE;
        List<Candidate> out = new ArrayList<>();
        for (int g : index.shortlist(checkpoint, SHORTLIST)) {
            List<CatalogModel> group = index.groups.get(g).models();
            CatalogModel first = group.get(0);
            List<TensorSpec> model = Catalog.model(first.name()).tensors();
            Aligned a = align(model, checkpoint);
            Comparison plain = io.weightbench.compare.Comparator.compare(model, a.tensors(), Optional.empty());
            Candidate best = candidate(first.name(), model, a, plain);
            Optional<String> withOptions = options(first, plain, a.tensors());
            if (withOptions.isPresent()) {
                List<TensorSpec> resized = Catalog.model(withOptions.get()).tensors();
                Candidate c = candidate(withOptions.get(), resized, a, io.weightbench.compare.Comparator.compare(resized, a.tensors(), Optional.empty()));
                if (c.score() > best.score()) best = c;
            }
            List<String> same = group.subList(1, group.size()).stream().map(m -> ModelSpec.CATALOG_PREFIX + m.name()).toList();
            out.add(new Candidate(best.model(), best.matched(), best.modelKeys(), best.checkpointKeys(), best.missing(), best.unexpected(),
                    best.mismatched(), best.rules(), same));
        }
        out.sort(Comparator.comparingDouble(Candidate::score).reversed()
                .thenComparingInt(c -> c.missing() + c.unexpected() + c.mismatched())
                .thenComparingInt(Candidate::rules));
        return out;
    }

    /** The checkpoint after the one prefix change that lines most of its keys up with the model's, and whether there was one. */
    record Aligned(List<TensorSpec> tensors, int rules) {}

    /**
     * Aligns the checkpoint's keys with the model's by their longest common dotted suffix, as the
     * suggester's prefix rules do ({@code module.}, {@code backbone.} -> {@code model.}), and
     * applies the prefix change most keys vote for: one pass, no search (identify compares a dozen
     * architectures; the suggester stays the tool for one).
     */
    static Aligned align(List<TensorSpec> model, List<TensorSpec> checkpoint) {
        Map<String, List<String>> prefixesBySuffix = new HashMap<>();
        for (TensorSpec t : model) {
            String k = t.key();
            for (int i : Suggester.boundaries(k)) {
                List<String> l = prefixesBySuffix.computeIfAbsent(k.substring(i), x -> new ArrayList<>(1));
                if (l.size() <= AMBIGUOUS) l.add(k.substring(0, i)); // past that the suffix decides nothing
            }
        }
        Map<String, Integer> votes = new HashMap<>();
        for (TensorSpec t : checkpoint) {
            String k = t.key();
            for (int i : Suggester.boundaries(k)) {
                List<String> tos = prefixesBySuffix.get(k.substring(i));
                if (tos == null) continue;
                if (tos.size() <= AMBIGUOUS && k.indexOf('.', i) >= 0) {
                    for (String to : tos) votes.merge(k.substring(0, i) + '\u0000' + to, 1, Integer::sum);
                }
                break; // the longest suffix that aligns
            }
        }
        List<String> best = null;
        int bestVotes = 0;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            int cut = e.getKey().indexOf('\u0000');
            List<String> pair = List.of(e.getKey().substring(0, cut), e.getKey().substring(cut + 1));
            boolean identity = pair.get(0).equals(pair.get(1));
            if (e.getValue() > bestVotes || e.getValue() == bestVotes && identity) {
                best = pair;
                bestVotes = e.getValue();
            }
        }
        if (best == null || best.get(0).equals(best.get(1))) return new Aligned(checkpoint, 0);
        String from = best.get(0);
        String to = best.get(1);
        List<TensorSpec> out = new ArrayList<>(checkpoint.size());
        for (TensorSpec t : checkpoint) out.add(t.key().startsWith(from) ? t.withKey(to + t.key().substring(from.length())) : t);
        return new Aligned(out, 1);
    }

    private static Candidate candidate(String source, List<TensorSpec> model, Aligned a, Comparison c) {
        return new Candidate(ModelSpec.CATALOG_PREFIX + source, c.matched(), model.size(), a.tensors().size(), c.missing().size(),
                c.unexpected().size(), c.mismatched().size(), a.rules(), List.of());
    }

    /**
     * {@code timm/x?num_classes=N&in_chans=M} when the mismatched keys all follow those options, or
     * a head the default model lacks (num_classes 0 by default, as DINOv2) follows num_classes; else empty.
     */
    private static Optional<String> options(CatalogModel m, Comparison c, List<TensorSpec> checkpoint) {
        if (!(m.allowsNumClasses() || m.allowsInChans())) return Optional.empty();
        Long nc = null;
        Long ic = null;
        for (Comparison.Mismatch x : c.mismatched()) {
            OptionalLong n = m.optionFor(x.key(), x.checkpointShape(), "num_classes");
            OptionalLong i = m.optionFor(x.key(), x.checkpointShape(), "in_chans");
            if (n.isPresent() && (nc == null || nc == n.getAsLong())) {
                nc = n.getAsLong();
            } else if (i.isPresent() && (ic == null || ic == i.getAsLong())) {
                ic = i.getAsLong();
            } else {
                return Optional.empty();
            }
        }
        if (nc == null && m.numClasses().orElse(-1) == 0) nc = headSize(m, c, checkpoint).orElse(null);
        if (nc == null && ic == null) return Optional.empty();
        CatalogOptions o = new CatalogOptions(Optional.ofNullable(nc).map(Long::intValue), Optional.ofNullable(ic).map(Long::intValue), false);
        return Optional.of(m.name() + "?" + o.query());
    }

    /** The num_classes that the unexpected keys agree on, when they are the head a headless default lacks. */
    private static Optional<Long> headSize(CatalogModel m, Comparison c, List<TensorSpec> checkpoint) {
        Map<String, List<Long>> shapes = new HashMap<>();
        for (TensorSpec t : checkpoint) shapes.put(t.key(), t.shape());
        Long nc = null;
        for (String key : c.unexpected()) {
            OptionalLong n = m.optionFor(key, shapes.get(key), "num_classes");
            if (n.isEmpty()) continue;
            if (nc != null && nc != n.getAsLong()) return Optional.empty();
            nc = n.getAsLong();
        }
        return Optional.ofNullable(nc);
    }
}
