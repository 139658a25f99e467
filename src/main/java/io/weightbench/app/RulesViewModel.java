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

    RulesViewModel(WorkbenchModel session, BackgroundTasks tasks, Notices notices) {
        this.session = session;
        this.tasks = tasks;
        this.notices = notices;
        // a proposal's effect was measured against the rules as they were
        session.rules.addListener((ListChangeListener<WorkbenchModel.RuleRow>) c -> proposal.set(null));
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
