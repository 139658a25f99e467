package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import io.weightbench.stats.CheckpointDiff;
import io.weightbench.stats.TensorDiff;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;

/**
 * The layer-by-layer change between a template (the model side) and the checkpoint after the key
 * rules: per module the relative change, rms, largest |difference| and lowest cosine; per key the
 * same for the aligned view. Computed on the compute lane as soon as both sides have data, again
 * whenever the rules change; a newer run makes the older one stale.
 */
final class LayerChangeViewModel {

    /** One module's change; {@code module} is "" for top-level keys. */
    record ModuleChange(String module, int tensors, double relL2, double rms, double maxAbs, double minCosine) {}

    /** One key's change (model key). */
    record KeyChange(double relL2, double maxAbs, double cosine) {}

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    final ObservableList<ModuleChange> modules = FxChecked.list();
    final ObservableMap<String, KeyChange> byKey = FXCollections.observableHashMap();
    final StringProperty message = FxChecked.string(null);
    final BooleanProperty running = FxChecked.bool(false);
    final DoubleProperty progress = FxChecked.number(0);

    LayerChangeViewModel(WorkbenchModel session, BackgroundTasks tasks) {
        this.session = session;
        this.tasks = tasks;
        session.model.addListener((o, a, b) -> refresh());
        session.checkpoint.addListener((o, a, b) -> refresh());
        session.rules.addListener((ListChangeListener<WorkbenchModel.RuleRow>) c -> refresh());
        refresh();
    }

    /** Whether both sides have data to compare. */
    boolean available() {
        WorkbenchModel.ModelSide m = session.model.get();
        return m != null && m.template().isPresent() && session.checkpoint.get() != null && !m.template().get().weights().isEmpty();
    }

    /** Starts a run for the current sides and rules (or says why there is none). */
    void refresh() {
        modules.clear();
        byKey.clear();
        if (!available()) {
            tasks.cancel("layers");
            running.set(false);
            message.set("Open a template checkpoint on the model side and a checkpoint on the right to see how much each layer changed"
                    + " (relative change per module, in model order).");
            return;
        }
        Checkpoint template = session.model.get().template().orElseThrow();
        Checkpoint c = session.checkpoint.get();
        RuleSet rules = new RuleSet(session.ruleSet().rules().stream().filter(r -> !(r instanceof TensorRule)).toList());
        message.set("Comparing values layer by layer …");
        running.set(true);
        BackgroundTasks.Task<CheckpointDiff.Result> t = tasks.task(BackgroundTasks.Lane.COMPUTE,
                p -> CheckpointDiff.diff(template.weights(), c.weights(), rules, 0, p)).inSlot("layers");
        t.fractionProperty().addListener((o, a, b) -> progress.set(b.doubleValue()));
        t.onSuccess(r -> {
            Map<String, KeyChange> keys = new HashMap<>();
            Map<String, double[]> extremes = new LinkedHashMap<>();
            for (CheckpointDiff.Pair p : r.pairs()) {
                TensorDiff d = p.diff();
                if (d == null) continue;
                keys.put(p.key(), new KeyChange(d.relL2(), d.maxAbs(), d.cosine()));
                String module = moduleOf(p.key());
                double[] e = extremes.computeIfAbsent(module, k -> new double[] {0, 1});
                e[0] = Math.max(e[0], d.maxAbs());
                e[1] = Math.min(e[1], d.cosine());
            }
            byKey.putAll(keys);
            modules.setAll(r.modules().stream().map(m -> {
                double[] e = extremes.getOrDefault(m.prefix(), new double[] {0, 1});
                return new ModuleChange(m.prefix(), m.tensors(), m.relL2(), m.rms(), e[0], e[1]);
            }).toList());
            message.set(r.pairs().isEmpty() ? "No key is on both sides yet: map the keys first." : "");
        }).onError(e -> message.set("Layer-by-layer change: " + Notices.message(e))).onCancelled(() -> message.set("Stopped."))
                .andFinally(() -> running.set(false)).start();
    }

    /** "rel 0.012, cos 0.9998" for the aligned view's change column; "" while unknown. */
    String changeText(String modelKey) {
        KeyChange k = byKey.get(modelKey);
        if (k == null) return "";
        return k.relL2() == 0 ? "unchanged" : String.format(java.util.Locale.ROOT, "rel %.3g, cos %.4f", k.relL2(), k.cosine());
    }

    /** The module of a key ("layer1.0.conv1" for "layer1.0.conv1.weight"). */
    static String moduleOf(String key) {
        return key.contains(".") ? key.substring(0, key.lastIndexOf('.')) : "";
    }

    /**
     * What the chart says before any scrolling: how many modules, and the ones that changed most
     * ("53 modules; most changed: fc 1.00, layer4.2.conv3 0.0112, ..."), largest first.
     */
    static String summary(List<ModuleChange> modules, int most) {
        if (modules.isEmpty()) return "";
        List<ModuleChange> top = modules.stream().filter(m -> Double.isFinite(m.relL2()))
                .sorted(java.util.Comparator.comparingDouble(ModuleChange::relL2).reversed()).limit(most).toList();
        StringBuilder b = new StringBuilder(modules.size() + (modules.size() == 1 ? " module" : " modules") + "; most changed: ");
        for (int i = 0; i < top.size(); i++) {
            ModuleChange m = top.get(i);
            b.append(i == 0 ? "" : ", ").append(m.module().isEmpty() ? "(top)" : m.module())
                    .append(' ').append(String.format(java.util.Locale.ROOT, "%.3g", m.relL2()));
        }
        return b.toString();
    }

    /** For tests: the modules in model order. */
    List<String> moduleNames() {
        return modules.stream().map(ModuleChange::module).toList();
    }
}
