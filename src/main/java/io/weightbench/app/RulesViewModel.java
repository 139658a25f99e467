package io.weightbench.app;

import io.weightbench.compare.DropRule;
import io.weightbench.compare.Fit;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.ListChangeListener;

/**
 * Rules as the user makes them: the rule a drop (or "Map to…") proposes, with each choice's effect,
 * before it is kept; suggestions accepted one by one or all at once; rules read from and saved to
 * JSON on the files lane. The rules themselves, undo and redo are the session's.
 */
final class RulesViewModel {

    /** A way to act on a drop: the rules it adds, and what they do to the counts. */
    record Choice(String id, String label, List<Rule> rules, boolean isDefault, String effect) {}

    /** What a drop proposes: a title, why it does not fit as it is (or ""), and the choices. */
    record Proposal(String title, String problem, List<Choice> choices) {}

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    private final Notices notices;
    /** The open proposal, or null. */
    final ObjectProperty<Proposal> proposal = new SimpleObjectProperty<>();

    /** One pair of the shape-aware pairing: a checkpoint key (after the rules) for a model key, and why. */
    record PairRow(String checkpointKey, String modelKey, String evidence, boolean byHand) {}

    static final String NO_PRESET = "none";

    /** "none" and the presets shipped (keras, onnx-from-torch, ...). */
    final javafx.collections.ObservableList<String> presets = javafx.collections.FXCollections.observableArrayList();
    /** The preset chosen in the pane (not yet applied); set to the proposed one when a checkpoint opens. */
    final javafx.beans.property.StringProperty preset = new javafx.beans.property.SimpleStringProperty(NO_PRESET);
    /** Why the chosen preset is proposed ("proposed for this keras-h5 file"), or "". */
    final javafx.beans.property.StringProperty presetNote = new javafx.beans.property.SimpleStringProperty("");
    /** What suggest pairs by shape and order once the rules have run (renames the names alone cannot make). */
    final javafx.collections.ObservableList<PairRow> pairs = javafx.collections.FXCollections.observableArrayList();
    /** The keys the pairing leaves unpaired, with why ("model key x: ..."). */
    final javafx.collections.ObservableList<String> unpaired = javafx.collections.FXCollections.observableArrayList();

    RulesViewModel(WorkbenchModel session, BackgroundTasks tasks, Notices notices) {
        this.session = session;
        this.tasks = tasks;
        this.notices = notices;
        presets.add(NO_PRESET);
        presets.addAll(io.weightbench.rules.Presets.names());
        // a proposal's effect was measured against the rules as they were
        session.rules.addListener((ListChangeListener<WorkbenchModel.RuleRow>) c -> proposal.set(null));
        session.checkpoint.addListener((o, a, c) -> proposePreset(c));
        session.reportProperty().addListener((o, a, r) -> showPairing(r));
        session.onSuggestError = e -> notices.problem("suggestions and pairing: " + Notices.message(e));
    }

    /** The preset for the framework the checkpoint comes from (shown, not applied), or none. */
    private void proposePreset(io.weightbench.checkpoint.Checkpoint c) {
        if (c == null) return;
        Optional<String> p = io.weightbench.rules.Presets.detect(c.format(), c.metadata());
        preset.set(p.orElse(NO_PRESET));
        presetNote.set(p.map(n -> "proposed for this " + c.format() + " file").orElse(""));
    }

    /**
     * Puts the chosen preset's rules (with values from the checkpoint's metadata) at the start of
     * the rules, in place of an earlier preset's, as one undoable step; "none" takes them out.
     */
    void applyPreset() {
        io.weightbench.checkpoint.Checkpoint c = session.checkpoint.get();
        String name = preset.get() == null ? NO_PRESET : preset.get();
        List<Rule> added;
        try {
            added = name.equals(NO_PRESET) ? List.of()
                    : io.weightbench.rules.Presets.load(name).resolve(c == null ? java.util.Map.of() : c.metadata()).rules();
        } catch (io.weightbench.rules.RuleException e) {
            notices.problem("preset " + name + ": " + e.getMessage());
            return;
        }
        List<WorkbenchModel.RuleRow> next = new ArrayList<>();
        for (Rule r : added) next.add(new WorkbenchModel.RuleRow(r, true));
        // the rules of the preset the session's rules start with now (undo may have changed it)
        List<String> old = new ArrayList<>(rulesOf(session.preset.get(), c).stream().map(Rule::describe).toList());
        for (WorkbenchModel.RuleRow r : session.rules) {
            if (!old.remove(r.rule().describe())) next.add(r); // the earlier preset's rules go, once each
        }
        session.setRules(next, name.equals(NO_PRESET) ? "" : name);
    }

    /** The rules preset {@code name} puts first for checkpoint {@code c} (none for "" or one that no longer reads). */
    private static List<Rule> rulesOf(String name, io.weightbench.checkpoint.Checkpoint c) {
        if (name == null || name.isEmpty() || name.equals(NO_PRESET)) return List.of();
        try {
            return io.weightbench.rules.Presets.load(name).resolve(c == null ? java.util.Map.of() : c.metadata()).rules();
        } catch (io.weightbench.rules.RuleException e) {
            return List.of();
        }
    }

    /** The pairing of the suggester's report for the current fit (computed with the suggestions), or none. */
    private void showPairing(io.weightbench.compare.Suggester.Report r) {
        if (r == null) {
            pairs.clear();
            unpaired.clear();
            return;
        }
        List<PairRow> out = new ArrayList<>();
        for (io.weightbench.compare.Suggester.Suggestion s : r.suggestions()) {
            if (s.rule() instanceof Rule.Rename n) out.add(new PairRow(n.from(), n.to(), s.reason(), false));
        }
        pairs.setAll(out);
        unpaired.setAll(r.unpaired().stream().map(u -> (u.inModel() ? "model key " : "checkpoint key ") + u.key() + ": " + u.reason()).toList());
    }

    /**
     * A checkpoint key of the pairing dropped on a model key of it: the checkpoint key now goes
     * there, and the checkpoint key that went there takes its old place (a swap), both marked as
     * set by hand. A checkpoint key dropped on its own model key changes nothing.
     */
    void repair(String checkpointKey, String modelKey) {
        int from = -1;
        int to = -1;
        for (int i = 0; i < pairs.size(); i++) {
            if (pairs.get(i).checkpointKey().equals(checkpointKey)) from = i;
            if (pairs.get(i).modelKey().equals(modelKey)) to = i;
        }
        if (from < 0 || to < 0 || from == to) return;
        PairRow a = pairs.get(from);
        PairRow b = pairs.get(to);
        // never two tensors whose shapes cannot agree (after the rules: a preset's layout rule has run)
        String wrong = shapeProblem(a.checkpointKey(), b.modelKey());
        if (wrong.isEmpty()) wrong = shapeProblem(b.checkpointKey(), a.modelKey());
        if (!wrong.isEmpty()) {
            notices.problem("Not re-paired: " + wrong);
            return;
        }
        pairs.set(from, new PairRow(a.checkpointKey(), b.modelKey(), "paired by hand (was " + a.modelKey() + ")", true));
        pairs.set(to, new PairRow(b.checkpointKey(), a.modelKey(), "paired by hand (was " + b.modelKey() + ")", true));
    }

    /** Why checkpoint key {@code ck} (after the rules) cannot fill model key {@code mk}, or "". */
    private String shapeProblem(String ck, String mk) {
        Fit f = session.fit();
        WorkbenchModel.ModelSide m = session.model.get();
        if (f == null || m == null) return "";
        java.util.List<Long> have = null;
        java.util.List<Long> want = null;
        for (io.weightbench.model.TensorSpec t : f.applied().tensors()) if (t.key().equals(ck)) have = t.shape();
        for (io.weightbench.model.TensorSpec t : m.spec().tensors()) if (t.key().equals(mk)) want = t.shape();
        return have == null || want == null || have.equals(want) ? "" : ck + " has shape " + have + ", " + mk + " wants " + want;
    }

    /** What accepting the pairing does to the counts. */
    String pairingEffect() {
        return session.effect(pairRules());
    }

    /** Accepts the pairing as shown (corrections included): one rename per pair, as one undoable step. */
    void acceptPairing() {
        if (!pairs.isEmpty()) session.addRules(pairRules());
    }

    private List<Rule> pairRules() {
        return pairs.stream().<Rule>map(p -> new Rule.Rename(p.checkpointKey(), p.modelKey())).toList();
    }

    /**
     * A checkpoint node (key or module, after the rules) dropped onto a model node: the rule it
     * means, and broader or fitting variants; a drop that makes no rule is a notice saying why.
     */
    void propose(String from, boolean fromIsKey, String to, boolean toIsKey) {
        Fit f = session.fit();
        if (f == null) {
            notices.problem("Open both a model and a checkpoint before mapping keys.");
            return;
        }
        DropRule.Proposal p = DropRule.propose(from, fromIsKey, to, toIsKey, f.applied().tensors(), session.model.get().spec().tensors());
        if (p.rule().isEmpty()) {
            notices.problem(p.problem());
            return;
        }
        List<Choice> choices = new ArrayList<>();
        if (p.broader().isPresent()) {
            choices.add(choice("proposal-broader", "Apply to all " + p.broaderAffected() + " keys: " + p.broader().get().describe(),
                    List.of(p.broader().get()), true));
        }
        choices.add(choice("proposal-rule", (fromIsKey ? "This key only: " : "Prefix: ") + p.rule().get().describe(),
                List.of(p.rule().get()), p.broader().isEmpty()));
        int i = 0;
        for (Rule t : p.transforms()) {
            choices.add(choice("proposal-transform-" + i++, "Rename and " + t.describe(), List.of(p.rule().get(), t), false));
        }
        proposal.set(new Proposal("Drop '" + (from.isEmpty() ? "(top level)" : from) + "' onto '" + (to.isEmpty() ? "(top level)" : to) + "'",
                p.problem(), choices));
    }

    private Choice choice(String id, String label, List<Rule> rules, boolean isDefault) {
        return new Choice(id, label, rules, isDefault, session.effect(rules));
    }

    void accept(Choice c) {
        proposal.set(null);
        session.addRules(c.rules());
    }

    void closeProposal() {
        proposal.set(null);
    }

    /** Accepts suggestion {@code i}. */
    void acceptSuggestion(int i) {
        session.addRules(session.suggestions.get(i).rules());
    }

    /** Accepts every suggestion, in order, as one undoable step. */
    void acceptAllSuggestions() {
        session.addRules(session.suggestions.stream().flatMap(s -> s.rules().stream()).toList());
    }

    void importRules(Path file) {
        tasks.task(BackgroundTasks.Lane.FILES, p -> RuleSet.read(file)).onSuccess(rs -> {
            session.addRules(rs.rules());
            notices.info("Imported " + rs.rules().size() + " rules from " + file.getFileName());
        }).onError(e -> notices.problem(Notices.about(file.toString(), e))).start();
    }

    void saveRules(Path file) {
        RuleSet rs = session.ruleSet();
        tasks.task(BackgroundTasks.Lane.FILES, p -> {
            rs.write(file);
            return rs;
        }).onSuccess(x -> notices.info("Saved " + rs.rules().size() + " rules to " + file))
                .onError(e -> notices.problem(Notices.about(file.toString(), e))).start();
    }

    /**
     * What "Map to…" offers: the model keys no checkpoint key fills yet (missing, or of another
     * shape) for a key; for a module, the model modules holding such keys (every prefix of them).
     */
    List<String> mapTargets(boolean forKey) {
        Fit f = session.fit();
        if (f == null) return List.of();
        java.util.Set<String> unfilled = new java.util.LinkedHashSet<>(f.comparison().missing());
        f.comparison().mismatched().forEach(m -> unfilled.add(m.key()));
        List<String> keys = session.model.get().spec().tensors().stream().map(t -> t.key()).filter(unfilled::contains).toList();
        if (forKey) return keys;
        java.util.Set<String> modules = new java.util.LinkedHashSet<>();
        for (String k : keys) {
            for (int dot = k.indexOf('.'); dot > 0; dot = k.indexOf('.', dot + 1)) modules.add(k.substring(0, dot));
        }
        return List.copyOf(modules);
    }

    Optional<Proposal> current() {
        return Optional.ofNullable(proposal.get());
    }
}
