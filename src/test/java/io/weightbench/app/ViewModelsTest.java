package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.Rule;
import io.weightbench.tensor.CanonicalBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.prefs.Preferences;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workbench's view models without a window: background work runs on the calling thread (or is held back to test staleness). */
class ViewModelsTest {

    private static final Path TEMPLATE = Path.of("samples/tinynet_template.pt");
    private static final Path DATA_PARALLEL = Path.of("samples/tinynet_dataparallel.pth");

    private final Preferences prefs = Preferences.userRoot().node("weightbench-test-" + UUID.randomUUID());
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        prefs.removeNode();
        for (AutoCloseable c : open) c.close();
    }

    private Checkpoint read(Path p) throws Exception {
        Checkpoint c = Formats.standard().open(p);
        open.add(c);
        return c;
    }

    private WorkbenchModel session() throws Exception {
        WorkbenchModel m = new WorkbenchModel();
        Checkpoint t = read(TEMPLATE);
        m.model.set(new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(t), Optional.of(t)));
        m.checkpoint.set(read(DATA_PARALLEL));
        return m;
    }

    /** Lanes that run only when drained: work held back while newer work starts. */
    private static final class Held implements Executor {
        final Deque<Runnable> queue = new ArrayDeque<>();

        @Override public void execute(Runnable r) { queue.add(r); }

        void drain() {
            while (!queue.isEmpty()) queue.poll().run();
        }
    }

    @Test
    void aTaskReplacedInItsSlotNeverDeliversAndACancelledOneSaysSo() {
        Held lane = new Held();
        BackgroundTasks tasks = BackgroundTasks.on(lane, Runnable::run);
        List<String> seen = new ArrayList<>();
        tasks.task(BackgroundTasks.Lane.FILES, p -> "old").inSlot("s").onSuccess(seen::add).andFinally(() -> seen.add("old finally")).start();
        tasks.task(BackgroundTasks.Lane.FILES, p -> "new").inSlot("s").onSuccess(seen::add).start();
        lane.drain();
        assertThat(seen).containsExactly("new"); // the stale one ran no callback at all
        BackgroundTasks.Task<String> t = tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            p.checkCancelled();
            return "done";
        }).onSuccess(seen::add).onCancelled(() -> seen.add("cancelled")).onError(e -> seen.add("error"));
        t.start();
        t.cancel();
        lane.drain();
        assertThat(seen).endsWith("cancelled");
        tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            throw new java.io.IOException("broken");
        }).onError(e -> seen.add(e.getMessage())).start();
        lane.drain();
        assertThat(seen).endsWith("broken");
        assertThat(t.isRunning()).isFalse();
    }

    @Test
    void dropsGoWhereTheirContentSaysAndEachFileIsReadOnce() throws Exception {
        WorkbenchModel m = new WorkbenchModel();
        Notices notices = new Notices();
        OpenViewModel vm = new OpenViewModel(m, BackgroundTasks.direct(), notices, prefs);
        // one file, nothing open: the checkpoint side
        vm.openDropped(List.of(TEMPLATE), OpenViewModel.Target.WINDOW);
        assertThat(m.checkpoint.get().file()).isEqualTo(TEMPLATE);
        assertThat(m.model.get()).isNull();
        // a TorchScript file goes to the model side wherever it is dropped on the window
        vm.openDropped(List.of(Path.of("samples/tinynet_scripted.pt")), OpenViewModel.Target.WINDOW);
        assertThat(m.model.get().template().orElseThrow().format()).isEqualTo("torchscript");
        // two files on the window: the first is the model, the second the checkpoint
        vm.openDropped(List.of(TEMPLATE, DATA_PARALLEL), OpenViewModel.Target.MODEL);
        assertThat(m.model.get().template().orElseThrow().file()).isEqualTo(TEMPLATE);
        assertThat(m.checkpoint.get().file()).isEqualTo(DATA_PARALLEL);
        assertThat(vm.checkpointFile.get()).isEqualTo("tinynet_dataparallel.pth · 16 tensors · torch-zip");
        assertThat(vm.recent).first().isEqualTo("checkpoint\t" + DATA_PARALLEL);
        // a file that is no checkpoint: one notice naming it, the open files stay
        vm.openDropped(List.of(Path.of("README.md")), OpenViewModel.Target.CHECKPOINT);
        assertThat(notices.latest().text()).startsWith("README.md");
        assertThat(m.checkpoint.get().file()).isEqualTo(DATA_PARALLEL);
        // the Lightning checkpoint's weights entry, and the top level chosen instead
        vm.openCheckpoint(Path.of("samples/tinynet_lightning.ckpt"));
        assertThat(vm.entryChoice.get()).isTrue();
        assertThat(vm.entry.get()).isEqualTo("state_dict");
        vm.entry.set(OpenViewModel.TOP_LEVEL);
        assertThat(m.checkpoint.get().weightsEntry()).isEmpty();
        m.model.get().template().ifPresent(open::add);
    }

    /** Recursion without end: a real StackOverflowError, as a deeply nested file can cause. */
    private static int deeper(int n) {
        return deeper(n + 1) + 1;
    }

    @Test
    void anyFailureOpeningAFileShowsTheCliLineAndTheNextOpenWorks() throws Exception {
        WorkbenchModel m = new WorkbenchModel();
        Notices notices = new Notices();
        OpenViewModel vm = new OpenViewModel(m, BackgroundTasks.direct(), notices, prefs);
        // a file that is no checkpoint: the very line the CLI prints after "weightbench: "
        Path readme = Path.of("README.md");
        vm.openCheckpoint(readme);
        java.io.StringWriter err = new java.io.StringWriter();
        int code = io.weightbench.cli.WeightbenchCommand.run(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err),
                "inspect", readme.toString());
        assertThat(code).isEqualTo(2);
        assertThat(notices.latest().problem()).isTrue();
        assertThat("weightbench: " + notices.latest().text()).isEqualTo(err.toString().strip());
        // out of memory (a real one: an array the VM cannot make) and stack overflow, on either side
        Path big = Path.of("huge.pt");
        vm.opener = p -> {
            long[] a = new long[Integer.MAX_VALUE];
            throw new AssertionError(a.length);
        };
        vm.openCheckpoint(big);
        assertThat(notices.latest().text()).isEqualTo(io.weightbench.cli.Failure.line(new OutOfMemoryError(), List.of(big)))
                .startsWith("huge.pt: needs more memory than the Java heap allows (").doesNotContain("\n");
        assertThat(vm.checkpointFile.get()).isEmpty(); // not left at "opening …"
        vm.opener = p -> {
            deeper(0);
            return null;
        };
        vm.openModel("deep.pt");
        assertThat(notices.latest().text()).isEqualTo("deep.pt: is nested too deeply to process (stack overflow)");
        assertThat(vm.modelFile.get()).isEmpty();
        // the window stays usable: the next files open as usual
        vm.opener = p -> Formats.standard().open(p);
        vm.openModel(TEMPLATE.toString());
        vm.openCheckpoint(DATA_PARALLEL);
        assertThat(m.checkpoint.get().file()).isEqualTo(DATA_PARALLEL);
        assertThat(m.fit()).isNotNull();
        open.add(m.checkpoint.get());
        m.model.get().template().ifPresent(open::add);
    }

    @Test
    void statisticsStoppedHalfWayResumeWhereTheyStopped() throws Exception {
        Held lane = new Held();
        WorkbenchModel m = new WorkbenchModel();
        DiagnosticsViewModel vm = new DiagnosticsViewModel(m, BackgroundTasks.on(lane, Runnable::run));
        m.checkpoint.set(read(DATA_PARALLEL));
        assertThat(vm.running.get()).isTrue();
        vm.cancel();
        lane.drain();
        assertThat(vm.resumable.get()).isTrue();
        assertThat(vm.placeholder.get()).startsWith("Statistics stopped at 0 of 16 tensors");
        vm.resume();
        lane.drain();
        assertThat(vm.stats()).hasSize(16);
        assertThat(vm.running.get()).isFalse();
        assertThat(vm.valuesText("module.head.weight")).startsWith("μ ");
        assertThat(vm.placeholder.get()).startsWith("No findings").doesNotContain("stopped");
    }

    @Test
    void theLayerChangeIsComputedOnceBothSidesHaveDataAndFollowsTheRules() throws Exception {
        WorkbenchModel m = session();
        LayerChangeViewModel vm = new LayerChangeViewModel(m, BackgroundTasks.direct());
        assertThat(vm.modules).isEmpty(); // nothing is paired before the prefix is stripped
        assertThat(vm.message.get()).contains("map the keys first");
        m.addRules(List.of(new Rule.StripPrefix("module.")));
        // the samples' template is a fresh model, the checkpoint a trained one: every module changed
        assertThat(vm.moduleNames()).containsExactly("stem.0", "stem.1", "layer1.0", "layer1.1", "head");
        assertThat(vm.modules).allSatisfy(c -> assertThat(c.relL2()).isPositive());
        assertThat(vm.byKey).containsKey("head.weight").hasSize(16);
        m.undo();
        assertThat(vm.modules).isEmpty();
        // the same weights on both sides: no change, cosine 1
        Checkpoint dp = m.checkpoint.get();
        m.model.set(new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(dp), Optional.of(dp)));
        assertThat(vm.modules).hasSize(5).allSatisfy(c -> {
            assertThat(c.relL2()).isZero();
            assertThat(c.maxAbs()).isZero();
            assertThat(c.minCosine()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        });
    }

    @Test
    void aDropProposesTheRuleItMeansWithItsEffectAndAGroupOntoAGroupIsAPrefixRule() throws Exception {
        WorkbenchModel m = session();
        Notices notices = new Notices();
        RulesViewModel vm = new RulesViewModel(m, BackgroundTasks.direct(), notices);
        vm.propose("module.head.weight", true, "head.weight", true);
        RulesViewModel.Proposal p = vm.proposal.get();
        assertThat(p.choices()).extracting(RulesViewModel.Choice::label)
                .containsExactly("Apply to all 16 keys: strip 'module.'", "This key only: module.head.weight -> head.weight");
        assertThat(p.choices().get(0).effect()).contains("matched 0 → 16");
        vm.propose("module.stem", false, "stem", false);
        assertThat(vm.proposal.get().choices()).extracting(RulesViewModel.Choice::rules)
                .containsExactly(List.of(new Rule.ReplacePrefix("module.stem.", "stem.")));
        vm.accept(vm.proposal.get().choices().get(0));
        assertThat(vm.proposal.get()).isNull();
        assertThat(m.fit().comparison().matched()).isEqualTo(7);
        // a key onto a module: one notice saying why, no proposal
        vm.propose("module.head.weight", true, "stem", false);
        assertThat(vm.proposal.get()).isNull();
        assertThat(notices.latest().text()).startsWith("drop a key onto a key");
        // accept all is one undoable step
        assertThat(m.suggestions).isNotEmpty();
        vm.acceptAllSuggestions();
        assertThat(m.fit().comparison().loadsStrictly()).isTrue();
        m.undo();
        assertThat(m.rules).hasSize(1);
    }

    @Test
    void aHeadsWeightAndBiasAreOneSuggestionWithItsConsequenceAndNoneChangesNothing() throws Exception {
        WorkbenchModel m = new WorkbenchModel();
        Checkpoint t = read(TEMPLATE);
        m.model.set(new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(t), Optional.of(t)));
        m.checkpoint.set(read(Path.of("samples/tinynet_5class_fp16.safetensors")));
        // the CLI lists two drops (head.weight, head.bias), each fixing 0 keys but making the head loadable
        assertThat(m.suggestions).singleElement().satisfies(s -> {
            assertThat(s.description()).isEqualTo("drop /^head\\.weight$/; drop /^head\\.bias$/");
            assertThat(s.effect()).isEqualTo("matched 14 → 14, missing 0 → 2, unexpected 0 → 0, shape 2 → 0;"
                    + " then loads with strict=False, 2 keys keeping the model's own initialisation");
        });
        m.addRules(m.suggestions.get(0).rules());
        assertThat(m.suggestions).isEmpty(); // nothing left that a rule changes
        m.checkpoint.set(read(Path.of("samples/tinynet_1000class.pth")));
        assertThat(m.suggestions).extracting(WorkbenchModel.Suggested::description).isEmpty(); // the drops already there fix the head
    }

    @Test
    void exportWarnsBeforeWritingACheckpointThatWillNotLoadStrictly(@TempDir Path dir) throws Exception {
        WorkbenchModel m = session();
        Notices notices = new Notices();
        ExportViewModel vm = new ExportViewModel(m.checkpoint.get(), m.ruleSet(), Optional.of(m.fit()), BackgroundTasks.direct(), notices);
        assertThat(vm.loadsStrictly).isFalse();
        assertThat(vm.verdict).startsWith("Will not load with strict=True: 14 missing, 16 unexpected");
        vm.output.set(dir.resolve("x.safetensors").toString());
        assertThat(vm.canStart()).isFalse();
        vm.start();
        assertThat(Files.exists(dir.resolve("x.safetensors"))).isFalse();
        assertThat(vm.status.get()).contains("Export anyway");
        m.addRules(List.of(new Rule.StripPrefix("module.")));
        ExportViewModel fixed = new ExportViewModel(m.checkpoint.get(), m.ruleSet(), Optional.of(m.fit()), BackgroundTasks.direct(), notices);
        assertThat(fixed.verdict).isEqualTo("Loads with strict=True.");
        fixed.output.set(dir.resolve("fixed.safetensors").toString());
        fixed.start();
        assertThat(fixed.done.get()).isTrue();
        assertThat(Files.exists(dir.resolve("fixed.rules.json"))).isTrue();
        try (Checkpoint back = Formats.standard().open(dir.resolve("fixed.safetensors"))) {
            for (TensorEntry t : back.weights()) {
                assertThat(CanonicalBytes.sha256(t.data())).isEqualTo(CanonicalBytes.sha256(m.checkpoint.get().tensor("module." + t.key()).orElseThrow().data()));
            }
        }
    }

    @Test
    void verifysInputShapeComesFromTheModelOrIsRemembered() throws Exception {
        WorkbenchModel m = session();
        Notices notices = new Notices();
        VerifyViewModel vm = new VerifyViewModel(m, BackgroundTasks.direct(), notices, prefs);
        assertThat(vm.suggestedShape()).isEqualTo("1,3,224,224"); // stem.0.weight is [16, 3, 3, 3]: 3 input channels
        prefs.put("verify.shape", "2,3,16,16");
        assertThat(vm.suggestedShape()).isEqualTo("2,3,16,16");
        prefs.put("verify.shape", "1,1,28,28"); // remembered from another model: not these channels
        assertThat(vm.suggestedShape()).isEqualTo("1,3,224,224");
        assertThat(VerifyViewModel.parse("1, 3x16x16")).hasValueSatisfying(s -> assertThat(s).containsExactly(1, 3, 16, 16));
        assertThat(VerifyViewModel.parse("1,three")).isEmpty();
        vm.run("1,three");
        assertThat(notices.latest().text()).contains("is not a shape");
    }

    @Test
    void theDetailFollowsItsKeyThroughANewRule() throws Exception {
        WorkbenchModel m = session();
        DetailViewModel vm = new DetailViewModel(m, BackgroundTasks.direct());
        vm.show(null, "module.head.weight");
        assertThat(vm.heading.get()).isEqualTo("module.head.weight");
        assertThat(vm.facts).extracting(DetailViewModel.Fact::value).contains("unexpected");
        assertThat(vm.numbers.get().first().total()).isEqualTo(320);
        m.addRules(List.of(new Rule.StripPrefix("module.")));
        assertThat(vm.heading.get()).isEqualTo("head.weight");
        assertThat(vm.checkpointKey()).isEqualTo("head.weight");
        assertThat(vm.facts).extracting(DetailViewModel.Fact::value).contains("renamed (was module.head.weight)");
        vm.show(null, null);
        assertThat(vm.heading.get()).isEqualTo("tinynet_dataparallel.pth (torch-zip)");
    }

    /** The Keras-layout resnet18 of scripts/make_roundtrip_fixtures.py (and its torch state_dict), made once per run. */
    static Path kerasResnet18() throws Exception {
        io.weightbench.TestFiles.require(io.weightbench.TestFiles.pythonHas("torchvision,h5py"),
                "Debian python3-torchvision and python3-h5py are not installed");
        org.junit.jupiter.api.Assumptions.assumeTrue(io.weightbench.TestFiles.pythonHas("torchvision,h5py"), "no torchvision/h5py");
        Path dir = Path.of("target", "test-cache", "roundtrip");
        if (!Files.exists(dir.resolve("resnet18.h5"))) {
            Files.createDirectories(dir);
            io.weightbench.TestFiles.runTorchScript("scripts/make_roundtrip_fixtures.py", dir.toString(), "resnet18");
        }
        return dir.resolve("resnet18.h5");
    }

    /**
     * Issue 15 in the rules pane: a Keras .h5 opened against torchvision's resnet18 gets the keras
     * preset proposed; applied, the pairing by shape and order lists every remaining key with its
     * evidence and none unpaired; a drag swaps two pairs (and back); accepted, the checkpoint loads
     * with strict=True, and the export holds the torch weights bit for bit with the preset recorded.
     */
    @Test
    void aKerasFileGetsItsPresetAndThePairingMakesItLoadStrictly(@TempDir Path dir) throws Exception {
        Path h5 = kerasResnet18();
        WorkbenchModel m = new WorkbenchModel();
        Notices notices = new Notices();
        RulesViewModel vm = new RulesViewModel(m, BackgroundTasks.direct(), notices);
        m.model.set(new WorkbenchModel.ModelSide(ModelSpec.load("catalog:torchvision/resnet18"), Optional.empty()));
        m.checkpoint.set(read(h5));
        assertThat(vm.presets).startsWith("none").contains("keras", "onnx-from-torch");
        assertThat(vm.preset.get()).isEqualTo("keras"); // proposed, not applied
        assertThat(vm.presetNote.get()).isEqualTo("proposed for this keras-h5 file");
        assertThat(m.rules).isEmpty();
        assertThat(m.fit().comparison().matched()).isZero();

        vm.applyPreset();
        assertThat(m.rules).hasSize(io.weightbench.rules.Presets.load("keras").rules().size());
        assertThat(m.ruleSet().preset()).hasValue("keras");
        // undo takes the preset's rules and its name back out, redo puts both in again
        m.undo();
        assertThat(m.rules).isEmpty();
        assertThat(m.ruleSet().preset()).isEmpty();
        m.redo();
        assertThat(m.rules).hasSize(io.weightbench.rules.Presets.load("keras").rules().size());
        assertThat(m.ruleSet().preset()).hasValue("keras");
        // 20 convolutions, 20 BatchNorms of 4 tensors, fc's 2: 102 pairs
        assertThat(vm.pairs).hasSize(102);
        assertThat(vm.unpaired).isEmpty();
        assertThat(vm.pairs.get(0)).isEqualTo(new RulesViewModel.PairRow("conv2d.weight", "conv1.weight",
                vm.pairs.get(0).evidence(), false));
        assertThat(vm.pairs.get(0).evidence()).contains("[64, 3, 7, 7]");
        assertThat(vm.pairs).anyMatch(p -> p.evidence().contains("in order on both sides"));
        // re-pair by drag: two convolutions of one shape swap their model keys, and back
        RulesViewModel.PairRow a = vm.pairs.stream().filter(p -> p.modelKey().equals("layer1.0.conv1.weight")).findFirst().orElseThrow();
        RulesViewModel.PairRow b = vm.pairs.stream().filter(p -> p.modelKey().equals("layer1.0.conv2.weight")).findFirst().orElseThrow();
        vm.repair(a.checkpointKey(), "layer1.0.conv2.weight");
        assertThat(vm.pairs).anyMatch(p -> p.checkpointKey().equals(a.checkpointKey()) && p.modelKey().equals("layer1.0.conv2.weight") && p.byHand())
                .anyMatch(p -> p.checkpointKey().equals(b.checkpointKey()) && p.modelKey().equals("layer1.0.conv1.weight") && p.byHand());
        vm.repair(a.checkpointKey(), "layer1.0.conv1.weight");
        // never two tensors whose shapes cannot agree: conv1's [64, 3, 7, 7] onto bn1.weight's [64]
        vm.repair("conv2d.weight", "bn1.weight");
        assertThat(notices.latest().text()).isEqualTo("Not re-paired: conv2d.weight has shape [64, 3, 7, 7], bn1.weight wants [64]");
        assertThat(vm.pairs.get(0).modelKey()).isEqualTo("conv1.weight");
        assertThat(vm.pairs).anyMatch(p -> p.checkpointKey().equals(a.checkpointKey()) && p.modelKey().equals("layer1.0.conv1.weight"));
        assertThat(vm.pairingEffect()).endsWith("then loads with strict=True");

        vm.acceptPairing();
        assertThat(m.fit().comparison().loadsStrictly()).isTrue();
        assertThat(vm.pairs).isEmpty();

        ExportViewModel export = new ExportViewModel(m.checkpoint.get(), m.ruleSet(), Optional.of(m.fit()), BackgroundTasks.direct(), notices);
        Path out = dir.resolve("resnet18.safetensors");
        export.output.set(out.toString());
        export.start();
        assertThat(export.done.get()).as(export.status.get()).isTrue();
        try (Checkpoint back = read(out); Checkpoint truth = read(h5.resolveSibling("resnet18_template.pth"))) {
            assertThat(back.metadata().get("weightbench_rules")).contains("\"preset\"").contains("keras");
            java.util.Map<String, String> want = new java.util.HashMap<>();
            for (TensorEntry t : truth.weights()) want.put(t.key(), CanonicalBytes.sha256(t.data()));
            int same = 0;
            for (TensorEntry t : back.weights()) {
                assertThat(CanonicalBytes.sha256(t.data())).as(t.key()).isEqualTo(want.get(t.key()));
                same++;
            }
            assertThat(same).isEqualTo(102); // torch fills in num_batches_tracked
        }

        // none takes the preset's rules out again (one step), the pairs' renames stay
        vm.preset.set("none");
        vm.applyPreset();
        assertThat(m.rules).hasSize(102);
        assertThat(m.ruleSet().preset()).isEmpty();
    }

    @Test
    void theLayerChangeSummaryNamesTheLargestChangesFirst() {
        List<LayerChangeViewModel.ModuleChange> m = List.of(new LayerChangeViewModel.ModuleChange("stem.0", 1, 0.01, 0, 0, 1),
                new LayerChangeViewModel.ModuleChange("head", 2, 1.0, 0, 0, 0), new LayerChangeViewModel.ModuleChange("", 1, 0.5, 0, 0, 1));
        assertThat(LayerChangeViewModel.summary(m, 2)).isEqualTo("3 modules; most changed: head 1.00, (top) 0.500");
        assertThat(LayerChangeViewModel.summary(List.of(), 2)).isEmpty();
    }
}
