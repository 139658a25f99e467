package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.stats.HealthCheck;
import io.weightbench.stats.TensorStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ObservableList;

/**
 * The checkpoint's statistics and diagnostics: every weight's statistics, one tensor after
 * another on the compute lane as soon as a checkpoint is shown (the trees' "values" column fills in
 * as they come), then the diagnostics from the same numbers. A cancelled run can be resumed: what
 * was computed is kept.
 */
final class DiagnosticsViewModel {

    /** A finding as the diagnostics list shows it. */
    record FindingRow(String key, String text, Status look, boolean info) {}

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    /** Statistics by key in the file, filled in as they are computed; a new map per checkpoint, so a late result lands in the old one. */
    private volatile Map<String, TensorStats> stats = new ConcurrentHashMap<>();
    final ObservableList<FindingRow> findings = FxChecked.list();
    final StringProperty placeholder = FxChecked.string("Open a checkpoint to check its weights (NaN/Inf, zero tensors, BatchNorm statistics …).");
    final StringProperty title = FxChecked.string("Diagnostics");
    final BooleanProperty running = FxChecked.bool(false);
    final BooleanProperty resumable = FxChecked.bool(false);
    final DoubleProperty progress = FxChecked.number(0);
    /** Goes up while statistics come in: the trees' values column redraws. */
    final IntegerProperty revision = FxChecked.integer(0);
    private BackgroundTasks.Task<List<HealthCheck.Finding>> run;

    DiagnosticsViewModel(WorkbenchModel session, BackgroundTasks tasks) {
        this.session = session;
        this.tasks = tasks;
        session.checkpoint.addListener((o, a, c) -> {
            stats = new ConcurrentHashMap<>();
            if (c != null) start(c);
            else tasks.cancel("statistics");
        });
    }

    /** Computes what is not known yet, then the diagnostics. */
    private void start(Checkpoint c) {
        findings.clear();
        placeholder.set("Checking the weights …");
        title.set("Diagnostics");
        resumable.set(false);
        List<TensorEntry> weights = c.weights();
        Map<String, TensorStats> stats = this.stats;
        run = tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            long bytes = 0;
            for (TensorEntry t : weights) if (!stats.containsKey(t.key())) bytes += t.data().nbytes();
            p.addTotal(bytes);
            for (TensorEntry t : weights) {
                p.checkCancelled();
                if (stats.containsKey(t.key())) continue;
                try {
                    stats.put(t.key(), TensorStats.of(t.data(), p));
                } catch (IOException e) {
                    // reported by the diagnostics below, which reads it again
                }
            }
            List<HealthCheck.Finding> found = new java.util.ArrayList<>(HealthCheck.pickleGlobals(c.pickleGlobals()));
            found.addAll(HealthCheck.check(weights, t -> {
                TensorStats known = stats.get(t.key());
                return known != null ? known : TensorStats.of(t.data(), p);
            }));
            return found;
        }).inSlot("statistics").onSuccess(f -> {
            findings.setAll(f.stream().map(DiagnosticsViewModel::row).toList());
            placeholder.set("No findings: no NaN/Inf, no zero or constant tensors, BatchNorm statistics sane.");
            long errors = f.stream().filter(x -> x.severity() == HealthCheck.Severity.ERROR).count();
            title.set("Diagnostics" + (f.isEmpty() ? "" : " (" + f.size() + (errors > 0 ? ", " + errors + " errors" : "") + ")"));
        }).onCancelled(() -> {
            placeholder.set("Statistics stopped at " + stats.size() + " of " + weights.size() + " tensors: Resume to finish them.");
            resumable.set(true);
        }).onError(e -> placeholder.set("Could not check: " + Notices.message(e))).andFinally(() -> {
            running.set(false);
            revision.set(revision.get() + 1);
        });
        running.set(true);
        run.fractionProperty().addListener((o, a, b) -> {
            progress.set(b.doubleValue());
            revision.set(revision.get() + 1);
        });
        run.start();
    }

    Map<String, TensorStats> stats() { return stats; }

    void cancel() {
        if (run != null) run.cancel();
    }

    /** Goes on where a cancelled run stopped. */
    void resume() {
        Checkpoint c = session.checkpoint.get();
        if (c != null) start(c);
    }

    /** "μ 0.0012 σ 0.034", or the NaN/Inf counts when there are any; "" while unknown. */
    String valuesText(String keyInFile) {
        TensorStats s = stats.get(keyInFile);
        if (s == null) return "";
        if (s.nan() + s.inf() > 0) return (s.nan() > 0 ? s.nan() + " NaN " : "") + (s.inf() > 0 ? s.inf() + " Inf" : "");
        if (s.count() == 0) return "empty";
        return String.format(Locale.ROOT, "μ %.3g σ %.3g", s.mean(), s.std());
    }

    private static FindingRow row(HealthCheck.Finding f) {
        Status look = switch (f.severity()) {
            case ERROR -> Status.MISSING;
            case WARNING -> Status.UNEXPECTED;
            case INFO -> Status.FILLED;
        };
        return new FindingRow(f.key(), f.severity().name().toLowerCase(Locale.ROOT) + "  " + f.key() + ": " + f.message(), look,
                f.severity() == HealthCheck.Severity.INFO);
    }

    /** For tests: the findings' keys. */
    List<String> findingKeys() {
        return new ArrayList<>(findings.stream().map(FindingRow::key).toList());
    }
}
