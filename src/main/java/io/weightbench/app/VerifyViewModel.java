package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.rules.RuleSet;
import io.weightbench.verify.Verifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.prefs.Preferences;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;

/**
 * Verify outputs: runs the TorchScript model on the model side in libtorch with its own weights and
 * with the checkpoint's (after the rules) on the same seeded input, and compares the outputs. The
 * input shape comes from the model where its first weight tells the channels, else the last one used.
 */
final class VerifyViewModel {

    /** The outcome as the detail pane shows it: name / value rows and the verdict. */
    record Outcome(String title, List<String[]> rows, boolean passed) {}

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    private final Notices notices;
    private final Preferences prefs;
    final BooleanProperty available = FxChecked.bool(false);
    final BooleanProperty running = FxChecked.bool(false);
    final ObjectProperty<Outcome> outcome = FxChecked.object(null);

    VerifyViewModel(WorkbenchModel session, BackgroundTasks tasks, Notices notices, Preferences prefs) {
        this.session = session;
        this.tasks = tasks;
        this.notices = notices;
        this.prefs = prefs;
        session.model.addListener((o, a, m) -> available.set(m != null && m.template().map(t -> t.format().equals("torchscript")).orElse(false)));
    }

    /**
     * The input shape to offer: the one last used with this model's input channels, or (1, C, 224,
     * 224) with C from the model's first 4-d weight (a convolution's in-channels).
     */
    String suggestedShape() {
        String last = prefs.get("verify.shape", "");
        Optional<Long> channels = firstConvInChannels();
        if (!last.isEmpty()) {
            long[] s = parse(last).orElse(null);
            if (s != null && (channels.isEmpty() || s.length == 4 && s[1] == channels.get())) return last;
        }
        return channels.map(c -> "1," + c + ",224,224").orElse(last.isEmpty() ? "1,3,224,224" : last);
    }

    private Optional<Long> firstConvInChannels() {
        WorkbenchModel.ModelSide m = session.model.get();
        if (m == null) return Optional.empty();
        return m.spec().tensors().stream().filter(t -> t.shape().size() == 4).findFirst().map(t -> t.shape().get(1));
    }

    static Optional<long[]> parse(String text) {
        try {
            long[] s = Arrays.stream(text.trim().split("[,x ]+")).filter(x -> !x.isBlank()).mapToLong(Long::parseLong).toArray();
            return s.length == 0 || Arrays.stream(s).anyMatch(d -> d <= 0) ? Optional.empty() : Optional.of(s);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Runs verify on the compute lane with the input shape {@code shapeText}; the outcome lands in {@link #outcome}. */
    void run(String shapeText) {
        Optional<long[]> parsed = parse(shapeText);
        if (parsed.isEmpty()) {
            notices.problem("'" + shapeText + "' is not a shape (e.g. 1,3,224,224)");
            return;
        }
        long[] shape = parsed.get();
        prefs.put("verify.shape", shapeText.trim());
        Checkpoint script = session.model.get().template().orElseThrow();
        Checkpoint c = session.checkpoint.get();
        RuleSet rules = session.ruleSet();
        running.set(true);
        outcome.set(null);
        tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            Verifier.Result r = Verifier.verify(script, Verifier.Weights.of(c, rules), Optional.empty(), shape, 0);
            List<String> failures = r.failures(1e-5);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"input", Arrays.toString(shape) + ", seed 0"});
            rows.add(new String[] {"outputs", String.join(", ", r.outputs())});
            rows.add(new String[] {"max |diff|", String.format(Locale.ROOT, "%.6g", r.maxAbsDiff())});
            rows.add(new String[] {"mean |diff|", String.format(Locale.ROOT, "%.6g", r.meanAbsDiff())});
            rows.add(new String[] {"relative L2", String.format(Locale.ROOT, "%.6g", r.relL2())});
            rows.add(new String[] {"replaced", r.plan().replaced().size() + " parameters and buffers"});
            if (!r.plan().missing().isEmpty()) rows.add(new String[] {"missing", String.join(", ", r.plan().missing())});
            if (!r.plan().mismatched().isEmpty()) rows.add(new String[] {"shape differs", String.join("; ", r.plan().mismatched())});
            if (!r.plan().unexpected().isEmpty()) rows.add(new String[] {"unexpected", r.plan().unexpected().size() + " keys"});
            if (!r.plan().cast().isEmpty()) rows.add(new String[] {"cast on load", r.plan().cast().size() + " keys, as torch does"});
            for (String f : failures) rows.add(new String[] {"fails", f});
            return new Outcome("Verify outputs: " + script.file().getFileName(), rows, failures.isEmpty());
        }).inSlot("verify").onSuccess(outcome::set).onError(e -> {
            outcome.set(new Outcome("Verify outputs", List.<String[]>of(new String[] {"error", Notices.message(e)}), false));
            notices.problem("Verify: " + Notices.message(e));
        }).andFinally(() -> running.set(false)).start();
    }
}
