package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Fit;
import io.weightbench.export.Exporter;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.ByteCounts;
import java.nio.file.Path;
import java.util.Optional;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.StringProperty;

/**
 * One export of the fixed checkpoint (.pth or .safetensors, optionally sharded) and its rules: the
 * output it proposes, the verdict the export will carry (a checkpoint that will not load with
 * strict=True is written only once the user says so), progress and Cancel (which leaves no file).
 */
final class ExportViewModel {

    private final Checkpoint checkpoint;
    private final RuleSet rules;
    private final BackgroundTasks tasks;
    private final Notices notices;
    final StringProperty output = FxChecked.string(null);
    final StringProperty shardSize = FxChecked.string("");
    final BooleanProperty weightsOnly = FxChecked.bool(false);
    final BooleanProperty saveRules = FxChecked.bool(true);
    /** Whether the model would load the export with strict=True (true when no model is open to say otherwise). */
    final boolean loadsStrictly;
    final String verdict;
    /** Ticked by the user to write a checkpoint that will not load strictly. */
    final BooleanProperty exportAnyway = FxChecked.bool(false);
    final StringProperty status = FxChecked.string("");
    final DoubleProperty progress = FxChecked.number(0);
    final BooleanProperty running = FxChecked.bool(false);
    final BooleanProperty done = FxChecked.bool(false);
    private BackgroundTasks.Task<Exporter.Result> task;

    ExportViewModel(Checkpoint checkpoint, RuleSet rules, Optional<Fit> fit, BackgroundTasks tasks, Notices notices) {
        this.checkpoint = checkpoint;
        this.rules = rules;
        this.tasks = tasks;
        this.notices = notices;
        String name = checkpoint.file().getFileName().toString();
        int dot = name.indexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        output.set(checkpoint.file().toAbsolutePath().resolveSibling(stem + "_fixed.pth").toString());
        loadsStrictly = fit.map(f -> f.comparison().loadsStrictly()).orElse(true);
        verdict = fit.isEmpty() ? "No model open: the export is not checked against one."
                : loadsStrictly ? "Loads with strict=True."
                : "Will not load with strict=True: " + fit.get().comparison().missing().size() + " missing, "
                        + fit.get().comparison().unexpected().size() + " unexpected, " + fit.get().comparison().mismatched().size()
                        + " shapes differ" + consequence(fit.get());
    }

    /** What torch does with such a checkpoint when told strict=False. */
    private static String consequence(Fit f) {
        if (!f.comparison().mismatched().isEmpty()) return "; torch raises on a size mismatch even with strict=False.";
        if (!f.comparison().missing().isEmpty()) return "; with strict=False the missing keys keep the model's initial values.";
        return "; with strict=False the unexpected keys are ignored.";
    }

    /** Whether Export may start: a strict-loading export, or the user accepted one that is not. */
    boolean canStart() {
        return !running.get() && (loadsStrictly || exportAnyway.get());
    }

    void start() {
        if (!canStart()) {
            status.set("Tick \"Export anyway\" to write a checkpoint that will not load with strict=True.");
            return;
        }
        Path out = Path.of(output.get().trim());
        long shard;
        try {
            shard = shardSize.get().isBlank() ? 0 : Exporter.parseSize(shardSize.get());
        } catch (IllegalArgumentException ex) {
            status.set(ex.getMessage());
            return;
        }
        boolean only = weightsOnly.get();
        boolean withRules = saveRules.get();
        running.set(true);
        status.set("Writing " + out + " …");
        task = tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            Exporter.Result r = Exporter.export(checkpoint, rules, out, only, shard, p);
            if (withRules) rules.write(rulesFile(r.output()));
            return r;
        });
        task.fractionProperty().addListener((o, a, b) -> progress.set(b.doubleValue()));
        task.onSuccess(r -> {
            String m = "Wrote " + r.output() + " (" + r.format() + ", " + r.weights() + " weights, " + ByteCounts.human(r.bytes())
                    + "); every tensor re-read and checked" + (withRules ? "; rules in " + rulesFile(r.output()).getFileName() : "")
                    + (r.warnings().isEmpty() ? "" : ". Warnings: " + String.join("; ", r.warnings()));
            progress.set(1);
            status.set(m);
            notices.info(m);
            done.set(true);
        }).onCancelled(() -> {
            progress.set(0);
            status.set("Cancelled: nothing was written.");
        }).onError(e -> {
            progress.set(0);
            String m = Notices.about(out.toString(), e);
            status.set(m);
            notices.problem(m);
        }).andFinally(() -> running.set(false)).start();
    }

    /** Cancels a running export; returns false when none runs (the dialog closes instead). */
    boolean cancel() {
        if (task == null || !running.get()) return false;
        task.cancel();
        status.set("Cancelling…");
        return true;
    }

    static Path rulesFile(Path export) {
        String n = export.getFileName().toString();
        int dot = n.indexOf('.');
        return export.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".rules.json");
    }
}
