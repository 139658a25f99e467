package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Comparison;
import io.weightbench.compare.Fit;
import io.weightbench.compare.Suggester;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.StringProperty;
import javafx.collections.ObservableList;

/**
 * The workbench's state on the FX thread: the model side, the checkpoint, the ordered rules (each
 * enabled or not) with undo and redo, and what follows from them: the {@link Fit}, the rows of
 * both trees and the suggestions, recomputed whenever any of them changes. Holds no I/O: files are
 * opened elsewhere, off this thread, and handed in.
 */
final class WorkbenchModel {

    /** A rule in the rules panel. */
    record RuleRow(Rule rule, boolean enabled) {}

    /** The model side: its expected tensors, and the checkpoint they came from when it is a template (for histograms and diffs). */
    record ModelSide(ModelSpec spec, Optional<Checkpoint> template) {}

    final ObjectProperty<ModelSide> model = FxChecked.object(null);
    final ObjectProperty<Checkpoint> checkpoint = FxChecked.object(null);
    final ObservableList<RuleRow> rules = FxChecked.list();
    final ObservableList<KeyRow> modelRows = FxChecked.list();
    final ObservableList<KeyRow> checkpointRows = FxChecked.list();
    /** One row per model key with the checkpoint key that fills it, then the checkpoint keys no model key takes. */
    final ObservableList<KeyRow> alignedRows = FxChecked.list();
    /** A suggestion and its effect on the counts ("matched 0 → 16, ..."). */
    /**
     * A suggestion as listed: one rule, or the rules of one module's keys taken together (a head's
     * weight and bias); what it fixes, why, and its effect on the counts with its consequence.
     */
    record Suggested(List<Rule> rules, String description, int fixes, String reason, String effect) {}

    final ObservableList<Suggested> suggestions = FxChecked.list();
    /** Changed keys per enabled rule (index into {@link #rules}), -1 for disabled ones. */
    final ObservableList<Integer> changedPerRule = FxChecked.list();
    final StringProperty ruleError = FxChecked.string("");
    private final ReadOnlyObjectWrapper<Fit> fit = FxChecked.readOnlyObject();
    private final ReadOnlyBooleanWrapper canUndo = FxChecked.readOnlyBool();
    private final ReadOnlyBooleanWrapper canRedo = FxChecked.readOnlyBool();
    /** What undo and redo restore: the rules and the preset they start with. */
    private record State(List<RuleRow> rules, String preset) {}

    private final Deque<State> undo = new ArrayDeque<>();
    private final Deque<State> redo = new ArrayDeque<>();

    /** Where suggestions are computed (they take a while for thousands of keys). */
    private final BackgroundTasks tasks;

    /** Everything on the calling thread (tests). */
    WorkbenchModel() {
        this(BackgroundTasks.direct());
    }

    WorkbenchModel(BackgroundTasks tasks) {
        this.tasks = tasks;
        model.addListener((o, a, b) -> recompute());
        checkpoint.addListener((o, a, b) -> recompute());
    }

    ReadOnlyObjectProperty<Fit> fitProperty() { return fit.getReadOnlyProperty(); }

    /**
     * The suggester's report for the current fit, or null without one: the suggestions and the
     * pairing by shape and order (with the keys it leaves unpaired) come from this one run on the
     * keys lane (they used to run the suggester twice per fit, side by side on that lane).
     */
    private final ReadOnlyObjectWrapper<Suggester.Report> report = FxChecked.readOnlyObject();

    ReadOnlyObjectProperty<Suggester.Report> reportProperty() { return report.getReadOnlyProperty(); }

    /** What happens when computing the suggestions fails (the rules pane says so). */
    java.util.function.Consumer<Throwable> onSuggestError = e -> {};

    Fit fit() { return fit.get(); }

    ReadOnlyBooleanProperty canUndoProperty() { return canUndo.getReadOnlyProperty(); }

    ReadOnlyBooleanProperty canRedoProperty() { return canRedo.getReadOnlyProperty(); }

    /** The preset the rules start with (chosen in the rules pane), or "": recorded in the rules an export writes. */
    final StringProperty preset = FxChecked.string("");

    /** The enabled rules, in order, naming the preset they start with. */
    RuleSet ruleSet() {
        return new RuleSet(rules.stream().filter(RuleRow::enabled).map(RuleRow::rule).toList(),
                preset.get().isEmpty() ? Optional.empty() : Optional.of(preset.get()));
    }

    /** Replaces the rules as one undoable step. */
    void setRules(List<RuleRow> next) {
        setRules(next, preset.get());
    }

    /** Sets the rules and the preset they start with, as one undoable step. */
    void setRules(List<RuleRow> next, String nextPreset) {
        undo.push(new State(List.copyOf(rules), preset.get()));
        redo.clear();
        preset.set(nextPreset);
        rules.setAll(next);
        history();
        recompute();
    }

    void addRules(List<Rule> added) {
        List<RuleRow> next = new ArrayList<>(rules);
        for (Rule r : added) next.add(new RuleRow(r, true));
        setRules(next);
    }

    void removeRule(int index) {
        List<RuleRow> next = new ArrayList<>(rules);
        next.remove(index);
        setRules(next);
    }

    void toggleRule(int index) {
        List<RuleRow> next = new ArrayList<>(rules);
        RuleRow r = next.get(index);
        next.set(index, new RuleRow(r.rule(), !r.enabled()));
        setRules(next);
    }

    /** Replaces rule {@code index} by the rule its edited JSON describes ({@code {"op": ...}}); throws with the reason if it is not one. */
    void editRule(int index, String json) throws RuleException {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = io.weightbench.json.JsonTree.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new RuleException("not JSON: " + e.getMessage());
        }
        com.fasterxml.jackson.databind.node.ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        root.put("weightbench_rules", RuleSet.VERSION);
        root.putArray("rules").add(node);
        List<Rule> parsed = RuleSet.fromJson(root).rules();
        List<RuleRow> next = new ArrayList<>(rules);
        next.set(index, new RuleRow(parsed.get(0), rules.get(index).enabled()));
        setRules(next);
    }

    /** Rule {@code index} as the JSON object a rules file holds for it. */
    String ruleJson(int index) {
        return new RuleSet(List.of(rules.get(index).rule())).toJson().get("rules").get(0).toPrettyString();
    }

    void moveRule(int from, int to) {
        if (from == to || from < 0 || to < 0 || from >= rules.size() || to >= rules.size()) return;
        List<RuleRow> next = new ArrayList<>(rules);
        next.add(to, next.remove(from));
        setRules(next);
    }

    void undo() {
        travel(undo, redo);
    }

    void redo() {
        travel(redo, undo);
    }

    /** Back to the rules on top of {@code from}, the current ones kept on {@code to}. */
    private void travel(Deque<State> from, Deque<State> to) {
        if (from.isEmpty()) return;
        to.push(new State(List.copyOf(rules), preset.get()));
        State back = from.pop();
        preset.set(back.preset());
        rules.setAll(back.rules());
        history();
        recompute();
    }

    private void history() {
        canUndo.set(!undo.isEmpty());
        canRedo.set(!redo.isEmpty());
    }

    /** Recomputes the fit, both sides' rows and the suggestions (key lists only: no tensor data). */
    void recompute() {
        ModelSide m = model.get();
        Checkpoint c = checkpoint.get();
        Fit f = null;
        ruleError.set("");
        if (m != null && c != null) {
            try {
                f = Fit.of(m.spec(), c, ruleSet());
            } catch (RuleException e) {
                ruleError.set(e.getMessage());
            }
        }
        fit.set(f);
        List<Integer> counts = new ArrayList<>();
        int k = 0;
        for (RuleRow r : rules) counts.add(r.enabled() && f != null ? f.applied().changedPerRule().get(k++) : -1);
        changedPerRule.setAll(counts);
        modelRows.setAll(m == null ? List.of() : modelRows(m.spec(), f));
        alignedRows.setAll(m == null || c == null || f == null ? List.of() : alignedRows(m.spec(), f));
        checkpointRows.setAll(c == null ? List.of() : checkpointRows(c, f));
        suggestions.clear();
        if (m != null && c != null && f != null) {
            Fit now = f;
            RuleSet current = ruleSet();
            tasks.task(BackgroundTasks.Lane.KEYS, p -> {
                Suggester.Report r = Suggester.report(m.spec().tensors(), now.applied().tensors());
                List<Suggested> out = new ArrayList<>();
                for (List<Suggester.Suggestion> group : byModule(r.suggestions())) {
                    List<Rule> rules = group.stream().map(Suggester.Suggestion::rule).toList();
                    Effect e = effect(m.spec(), c, current, now, rules);
                    if (!e.changes()) continue; // a suggestion that changes nothing is not one
                    out.add(new Suggested(rules, String.join("; ", rules.stream().map(Rule::describe).toList()),
                            group.stream().mapToInt(Suggester.Suggestion::fixes).sum(), group.get(0).reason(), e.text()));
                }
                return new Suggestions(r, out);
            }).inSlot("suggestions").onSuccess(s -> {
                report.set(s.report());
                suggestions.setAll(s.listed());
            }).onError(onSuggestError).start();
        } else {
            tasks.cancel("suggestions");
            report.set(null);
        }
    }

    /** The suggester's report and the suggestions listed from it (those that change a count, grouped by module). */
    private record Suggestions(Suggester.Report report, List<Suggested> listed) {}

    /** "matched 10 → 132, missing 122 → 0, ...": what adding {@code extra} to the enabled rules does to the counts. */
    String effect(List<Rule> extra) {
        if (model.get() == null || checkpoint.get() == null || fit.get() == null) return "";
        return effect(model.get().spec(), checkpoint.get(), ruleSet(), fit.get(), extra).text();
    }

    /** What rules added to the current ones do: the counts before and after and what torch would then do; whether any count moves. */
    record Effect(String text, boolean changes) {}

    private static Effect effect(ModelSpec spec, Checkpoint c, RuleSet rules, Fit now, List<Rule> extra) {
        List<Rule> all = new ArrayList<>(rules.rules());
        all.addAll(extra);
        try {
            Comparison a = now.comparison();
            Comparison b = Fit.of(spec, c, new RuleSet(all)).comparison();
            String counts = "matched " + a.matched() + " → " + b.matched()
                    + ", missing " + a.missing().size() + " → " + b.missing().size()
                    + ", unexpected " + a.unexpected().size() + " → " + b.unexpected().size()
                    + ", shape " + a.mismatched().size() + " → " + b.mismatched().size();
            String then = b.loadsStrictly() ? "; then loads with strict=True"
                    : b.unexpected().isEmpty() && b.mismatched().isEmpty()
                    ? "; then loads with strict=False, " + b.missing().size() + " keys keeping the model's own initialisation" : "";
            boolean changes = a.matched() != b.matched() || a.missing().size() != b.missing().size()
                    || a.unexpected().size() != b.unexpected().size() || a.mismatched().size() != b.mismatched().size();
            return new Effect(counts + then, changes);
        } catch (RuleException e) {
            return new Effect("does not apply: " + e.getMessage(), false);
        }
    }

    /**
     * Consecutive suggestions of the same kind for keys of one module ("slice /^head\.weight$/",
     * "slice /^head\.bias$/") as one group; the others alone.
     */
    static List<List<Suggester.Suggestion>> byModule(List<Suggester.Suggestion> all) {
        List<List<Suggester.Suggestion>> out = new ArrayList<>();
        String lastModule = null;
        Class<?> lastKind = null;
        for (Suggester.Suggestion s : all) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("/\\^(.+?)\\$/").matcher(s.rule().describe());
            String module = m.find() ? m.group(1).replace("\\.", ".").replaceAll("\\.[^.]*$", "") : null;
            if (module != null && module.equals(lastModule) && s.rule().getClass() == lastKind) {
                out.get(out.size() - 1).add(s);
            } else {
                out.add(new ArrayList<>(List.of(s)));
            }
            lastModule = module;
            lastKind = s.rule().getClass();
        }
        return out;
    }

    static List<KeyRow> modelRows(ModelSpec spec, Fit f) {
        Map<String, Status> status = new HashMap<>();
        Map<String, String> notes = new HashMap<>();
        if (f != null) {
            Comparison cmp = f.comparison();
            for (String k : cmp.missing()) status.put(k, Status.MISSING);
            for (String k : cmp.filledByTorch()) {
                status.put(k, Status.FILLED);
                notes.put(k, "torch's BatchNorm fills it in");
            }
            for (Comparison.Mismatch mm : cmp.mismatched()) {
                status.put(mm.key(), Status.SHAPE);
                notes.put(mm.key(), "checkpoint has " + mm.checkpointShape());
            }
            for (Comparison.DtypeChange d : cmp.dtypeChanged()) {
                status.put(d.key(), Status.DTYPE);
                notes.put(d.key(), "checkpoint has " + d.checkpointDtype().torchName());
            }
        }
        List<KeyRow> rows = new ArrayList<>();
        for (TensorSpec t : spec.tensors()) {
            Status s = status.getOrDefault(t.key(), f == null ? Status.MISSING : Status.MATCHED);
            String note = notes.getOrDefault(t.key(), "");
            if (f == null) {
                s = Status.LISTED;
            } else if (s == Status.MATCHED && !f.originalKey(t.key()).equals(t.key())) {
                s = Status.RENAMED;
                note = "from " + f.originalKey(t.key());
            }
            rows.add(new KeyRow(t.key(), t.key(), t.dtype().torchName(), t.shape(), numel(t.shape()), t.dtype().bytesFor(numel(t.shape())), s, note));
        }
        return rows;
    }

    /**
     * The aligned comparison: each model key (in model order) with the checkpoint key in the file that
     * ends up under it after the rules, both shapes and dtypes and the status; then, under {@link
     * KeyRow#UNPAIRED}, the checkpoint keys no model key takes (unexpected, or dropped by a rule).
     */
    static List<KeyRow> alignedRows(ModelSpec spec, Fit f) {
        Map<String, TensorSpec> ck = new HashMap<>();
        for (TensorSpec t : f.applied().tensors()) ck.put(t.key(), t);
        List<KeyRow> rows = new ArrayList<>();
        for (KeyRow r : modelRows(spec, f)) {
            TensorSpec c = ck.get(r.key());
            rows.add(new KeyRow(r.key(), c == null ? "" : f.originalKey(r.key()), r.dtype(), r.shape(), r.numel(), r.bytes(), r.status(),
                    r.status() == Status.FILLED ? r.note() : "", c == null ? null : c.shape(), // the other columns say the rest
                    c == null ? "" : c.dtype().torchName()));
        }
        Set<String> unexpected = new HashSet<>(f.comparison().unexpected());
        for (TensorSpec t : f.applied().tensors()) {
            if (!unexpected.contains(t.key())) continue;
            long n = numel(t.shape());
            String original = f.originalKey(t.key());
            rows.add(new KeyRow(KeyRow.UNPAIRED + "." + t.key(), original, t.dtype().torchName(), t.shape(), n, t.dtype().bytesFor(n),
                    Status.UNEXPECTED, original.equals(t.key()) ? "" : "was " + original, t.shape(), t.dtype().torchName()));
        }
        Map<String, TensorSpec> held = new HashMap<>();
        for (TensorSpec t : f.held()) held.put(t.key(), t);
        for (String d : f.applied().dropped()) {
            TensorSpec t = held.get(d);
            if (t == null) continue;
            long n = numel(t.shape());
            rows.add(new KeyRow(KeyRow.UNPAIRED + "." + d, d, t.dtype().torchName(), t.shape(), n, t.dtype().bytesFor(n), Status.DROPPED,
                    "dropped by a rule", t.shape(), t.dtype().torchName()));
        }
        return rows;
    }

    static List<KeyRow> checkpointRows(Checkpoint c, Fit f) {
        List<KeyRow> rows = new ArrayList<>();
        if (f == null) {
            for (TensorSpec t : ModelSpec.fromCheckpoint(c).tensors()) rows.add(row(t, t.key(), Status.LISTED, ""));
            return rows;
        }
        Comparison cmp = f.comparison();
        Set<String> unexpected = new HashSet<>(cmp.unexpected());
        Map<String, Comparison.Mismatch> mismatched = new HashMap<>();
        for (Comparison.Mismatch mm : cmp.mismatched()) mismatched.put(mm.key(), mm);
        Map<String, Comparison.DtypeChange> dtypes = new HashMap<>();
        for (Comparison.DtypeChange d : cmp.dtypeChanged()) dtypes.put(d.key(), d);
        for (TensorSpec t : f.applied().tensors()) {
            String original = f.originalKey(t.key());
            Status s;
            String note = "";
            if (unexpected.contains(t.key())) {
                s = Status.UNEXPECTED;
            } else if (mismatched.containsKey(t.key())) {
                s = Status.SHAPE;
                note = "model expects " + mismatched.get(t.key()).modelShape();
            } else if (dtypes.containsKey(t.key())) {
                s = Status.DTYPE;
                note = "model expects " + dtypes.get(t.key()).modelDtype().torchName();
            } else if (!original.equals(t.key())) {
                s = Status.RENAMED;
            } else {
                s = Status.MATCHED;
            }
            if (!original.equals(t.key())) note = note.isEmpty() ? "was " + original : note + "; was " + original;
            rows.add(row(t, original, s, note));
        }
        Map<String, TensorSpec> held = new HashMap<>();
        for (TensorSpec t : f.held()) held.put(t.key(), t);
        for (String d : f.applied().dropped()) {
            TensorSpec t = held.get(d);
            if (t != null) rows.add(row(t, d, Status.DROPPED, "dropped by a rule"));
        }
        return rows;
    }

    private static KeyRow row(TensorSpec t, String original, Status s, String note) {
        long n = numel(t.shape());
        return new KeyRow(t.key(), original, t.dtype().torchName(), t.shape(), n, t.dtype().bytesFor(n), s, note);
    }

    static long numel(List<Long> shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Whether torch would load the checkpoint with strict=True after the rules (false while there is no fit). */
    boolean loadsStrictly() {
        return fit.get() != null && fit.get().comparison().loadsStrictly();
    }

    /** Counts per status over both sides, for the summary bar. */
    Map<Status, Integer> summary() {
        Map<Status, Integer> out = new java.util.EnumMap<>(Status.class);
        Fit f = fit.get();
        if (f == null) return out;
        out.put(Status.MATCHED, f.comparison().matched());
        out.put(Status.MISSING, f.comparison().missing().size());
        out.put(Status.UNEXPECTED, f.comparison().unexpected().size());
        out.put(Status.SHAPE, f.comparison().mismatched().size());
        out.put(Status.DTYPE, f.comparison().dtypeChanged().size());
        out.put(Status.FILLED, f.comparison().filledByTorch().size());
        return out;
    }
}
