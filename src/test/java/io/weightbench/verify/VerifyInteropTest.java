package io.weightbench.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.ElementReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify against real torch 1.13: TorchScript models scripted and traced by torch run in libtorch
 * (DJL) and give torch's own outputs; identical weights give no difference, perturbed ones a clear
 * one, a swapped BatchNorm buffer breaks the outputs, a missing buffer is reported before running,
 * and torch itself reads the patched archives.
 */
class VerifyInteropTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void fixtures() throws Exception {
        TestFiles.runTorchScript("scripts/make_verify_fixtures.py", dir.toString());
    }

    private static Checkpoint open(String name) throws Exception {
        return Formats.standard().open(dir.resolve(name));
    }

    private static double[] values(String npy) throws Exception {
        try (Checkpoint c = open(npy)) {
            io.weightbench.tensor.TensorData t = c.tensors().get(0).data();
            double[] out = new double[(int) t.numel()];
            new ElementReader(t).read(0, out, out.length);
            return out;
        }
    }

    @Test
    void libtorchComputesWhatTorchComputed() throws Exception {
        double[] x = values("input.npy");
        float[] input = new float[x.length];
        for (int i = 0; i < x.length; i++) input[i] = (float) x[i];
        long[] shape = {2, 3, 12, 12};
        List<TorchRuntime.Output> cnn = TorchRuntime.run(dir.resolve("cnn.pt"), input, shape);
        assertThat(cnn).hasSize(1);
        assertThat(cnn.get(0).shape()).containsExactly(2, 5);
        double[] want = values("cnn_out.npy");
        for (int i = 0; i < want.length; i++) assertThat(cnn.get(0).values()[i]).isCloseTo(want[i], within(1e-5));
        List<TorchRuntime.Output> pair = TorchRuntime.run(dir.resolve("pair.pt"), input, shape);
        assertThat(pair).hasSize(2); // a tuple, element-wise
        for (int k = 0; k < 2; k++) {
            double[] w = values("pair_out_" + k + ".npy");
            assertThat(pair.get(k).values()).hasSize(w.length);
            for (int i = 0; i < w.length; i++) assertThat(pair.get(k).values()[i]).isCloseTo(w[i], within(1e-5));
        }
        List<TorchRuntime.Output> dict = TorchRuntime.run(dir.resolve("dict.pt"), input, shape);
        assertThat(dict).extracting(TorchRuntime.Output::name).containsExactlyInAnyOrder("logits", "prob", "label"); // a dict, by key
        TorchRuntime.Output label = dict.stream().filter(o -> o.name().equals("label")).findFirst().orElseThrow();
        assertThat(label.dtype()).isEqualTo("int64");
        assertThat(label.floating()).isFalse();
        assertThat(Verifier.compare(null, Optional.empty(), dict, dict).nonFloat()).containsExactly("label int64");
        assertThat(Verifier.compare(null, Optional.empty(), dict, dict).problems()).isEmpty();
        List<TorchRuntime.Output> otherLabel = dict.stream().map(o -> o != label ? o
                : new TorchRuntime.Output("label", o.shape(), o.dtype(), false, java.util.Arrays.stream(o.values()).map(v -> v + 1).toArray())).toList();
        assertThat(Verifier.compare(null, Optional.empty(), dict, otherLabel).problems()).containsExactly("output label (int64): 2 of 2 values differ");
        for (TorchRuntime.Output o : dict) {
            double[] w = values("dict_out_" + o.name() + ".npy");
            for (int i = 0; i < w.length; i++) assertThat(o.values()[i]).isCloseTo(w[i], within(1e-5));
        }
    }

    @Test
    void identicalWeightsGiveNoDifferenceAndChangedOnesDo() throws Exception {
        long[] shape = {2, 3, 12, 12};
        try (Checkpoint script = open("cnn.pt"); Checkpoint same = open("cnn_state.pth"); Checkpoint perturbed = open("cnn_perturbed.pth");
             Checkpoint swapped = open("cnn_swapped_bn.pth")) {
            Verifier.Result r = Verifier.verify(script, Verifier.Weights.of(same), Optional.empty(), shape, 7);
            assertThat(r.plan().replaced()).hasSize(9);
            assertThat(r.plan().loadsStrictly()).isTrue();
            assertThat(r.failures(1e-5)).isEmpty();
            assertThat(r.maxAbsDiff()).isZero();
            assertThat(r.compared()).isEqualTo(10);
            Verifier.Result p = Verifier.verify(script, Verifier.Weights.of(perturbed), Optional.empty(), shape, 7);
            assertThat(p.relL2()).isGreaterThan(1e-5);
            assertThat(p.maxAbsDiff()).isGreaterThan(1e-5);
            assertThat(p.failures(1e-5)).singleElement().asString().startsWith("outputs differ: rel_l2 ");
            // the baseline from a reference checkpoint instead of the model's own weights
            Verifier.Result ref = Verifier.verify(script, Verifier.Weights.of(perturbed), Optional.of(Verifier.Weights.of(perturbed)), shape, 7);
            assertThat(ref.maxAbsDiff()).isZero();
            // a buffer mistake (running_mean and running_var swapped) loads fine and breaks the outputs
            Verifier.Result s = Verifier.verify(script, Verifier.Weights.of(swapped), Optional.empty(), shape, 7);
            assertThat(s.problems().isEmpty() ? s.relL2() : 1.0).isGreaterThan(1e-3);
        }
    }

    @Test
    void aMissingBufferIsReportedBeforeRunning() throws Exception {
        try (Checkpoint script = open("cnn.pt"); Checkpoint missing = open("cnn_missing.pth")) {
            Verifier.Plan plan = Verifier.plan(script, Verifier.Weights.of(missing));
            assertThat(plan.missing()).containsExactly("bn.running_mean");
            assertThat(plan.loadsStrictly()).isFalse();
        }
    }

    @Test
    void whatTorchLoadsStrictlyRunsAsTorchRunsIt() throws Exception {
        // float16 weights cast to the model's float32, num_batches_tracked filled in: torch loads this with strict=True
        double[] x = values("input.npy");
        float[] input = new float[x.length];
        for (int i = 0; i < x.length; i++) input[i] = (float) x[i];
        long[] shape = {2, 3, 12, 12};
        Path patched = dir.resolve("fp16_patched.pt");
        try (Checkpoint script = open("cnn.pt"); Checkpoint fp16 = open("cnn_fp16_no_nbt.pth")) {
            Verifier.Plan plan = Verifier.plan(script, Verifier.Weights.of(fp16));
            assertThat(plan.loadsStrictly()).isTrue();
            assertThat(plan.filled()).containsExactly("bn.num_batches_tracked");
            assertThat(plan.cast()).hasSize(8).allMatch(c -> c.endsWith("float16 -> float32"));
            Verifier.Result r = Verifier.verify(script, Verifier.Weights.of(fp16), Optional.empty(), shape, 7);
            assertThat(r.plan().replaced()).hasSize(8);
            assertThat(r.failures(1e-2)).isEmpty(); // float16 rounding only
        }
        try (Checkpoint script = open("cnn.pt"); Checkpoint fp16 = open("cnn_fp16_no_nbt.pth")) {
            Verifier.Result viaPatch = Verifier.verify(script, Verifier.Weights.of(fp16), Optional.of(Verifier.Weights.of(fp16)), shape, 7);
            assertThat(viaPatch.maxAbsDiff()).isZero();
        }
        // and the patched model computes exactly what torch computed after its own load_state_dict
        double[] want = values("cnn_fp16_out.npy");
        List<TorchRuntime.Output> got = TorchRuntime.run(patchedFp16(patched), input, shape);
        for (int i = 0; i < want.length; i++) assertThat(got.get(0).values()[i]).isCloseTo(want[i], within(1e-5));
    }

    private static Path patchedFp16(Path out) throws Exception {
        try (Checkpoint script = open("cnn.pt"); Checkpoint fp16 = open("cnn_fp16_no_nbt.pth")) {
            Verifier.patch(script, Verifier.Weights.of(fp16), out);
        }
        return out;
    }

    @Test
    void noReplacedTensorNeverPassesAndDifferingOutputsAreAlwaysSaid() throws Exception {
        long[] shape = {2, 3, 12, 12};
        try (Checkpoint script = open("cnn.pt"); Checkpoint wrapped = open("cnn_module.pth"); Checkpoint perturbed = open("cnn_perturbed.pth")) {
            Verifier.Result r = Verifier.verify(script, Verifier.Weights.of(wrapped), Optional.empty(), shape, 7);
            assertThat(r.plan().replaced()).isEmpty();
            assertThat(r.failures(1e-5)).anyMatch(f -> f.startsWith("no tensor was replaced")).anyMatch(f -> f.startsWith("not every key fits"));
            // keys wrong and outputs different: both are said
            List<TensorEntry> some = perturbed.weights().stream().filter(t -> !t.key().equals("bn.running_mean")).toList();
            Verifier.Result both = Verifier.verify(script, new Verifier.Weights(some, Optional.empty()), Optional.empty(), shape, 7);
            assertThat(both.failures(1e-5)).anyMatch(f -> f.startsWith("not every key fits (1 missing)")).anyMatch(f -> f.startsWith("outputs differ: rel_l2"));
        }
    }

    @Test
    void aStorageSharedByTwoKeysIsRewrittenInPlaceAndTorchReadsIt() throws Exception {
        Path patched = dir.resolve("tied_patched.pt");
        try (Checkpoint script = open("tied.pt"); Checkpoint changed = open("tied_changed.pth")) {
            assertThat(script.tensor("embed.weight").orElseThrow().data().storage().key())
                    .isEqualTo(script.tensor("decoder.weight").orElseThrow().data().storage().key()); // tied: one storage
            assertThat(Verifier.patch(script, Verifier.Weights.of(changed), patched).replaced()).containsExactlyInAnyOrder("embed.weight", "decoder.weight");
        }
        TestFiles.runTorchScript("scripts/make_verify_fixtures.py", "--check", patched.toString(), dir.resolve("tied_changed.pth").toString());
    }

    @Test
    void torchReadsThePatchedArchiveWithTheNewWeights() throws Exception {
        Path patched = dir.resolve("patched.pt");
        try (Checkpoint script = open("cnn.pt"); Checkpoint perturbed = open("cnn_perturbed.pth")) {
            Verifier.patch(script, Verifier.Weights.of(perturbed), patched);
        }
        TestFiles.runTorchScript("scripts/make_verify_fixtures.py", "--check", patched.toString(), dir.resolve("cnn_perturbed.pth").toString());
        try (Checkpoint back = Formats.standard().open(patched); Checkpoint want = open("cnn_perturbed.pth")) {
            for (TensorEntry t : want.weights()) {
                assertThat(io.weightbench.tensor.CanonicalBytes.sha256(back.tensor(t.key()).orElseThrow().data()))
                        .isEqualTo(io.weightbench.tensor.CanonicalBytes.sha256(t.data()));
            }
        }
    }
}
