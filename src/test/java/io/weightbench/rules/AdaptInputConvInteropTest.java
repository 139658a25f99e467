package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.tensor.TensorData;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** adapt_input_conv against timm's logic run by real torch (skipped without python3-torch). */
class AdaptInputConvInteropTest {

    @Test
    void matchesTimmForOneAndFourChannels(@TempDir Path dir) throws Exception {
        TestFiles.runTorchScript("scripts/adapt_input_conv.py", dir.toString());
        try (Checkpoint stem = Formats.standard().open(dir.resolve("stem.pth"))) {
            TensorData w = stem.tensor("conv1.weight").orElseThrow().data();
            for (int n : new int[] {1, 4}) {
                try (Checkpoint ref = Formats.standard().open(dir.resolve("adapted_" + n + ".pth"))) {
                    TensorData want = ref.tensor("conv1.weight").orElseThrow().data();
                    TensorData got = new TensorRule.AdaptInputConv(".*", n).transform(w, "conv1.weight");
                    assertThat(got.shape()).containsExactly(want.shape());
                    List<Double> a = TensorRuleDataTest.values(got);
                    List<Double> b = TensorRuleDataTest.values(want);
                    for (int i = 0; i < a.size(); i++) {
                        // the sum of three floats may associate differently from torch's kernel: one ulp or so
                        assertThat(a.get(i)).isCloseTo(b.get(i), Offset.offset(Math.ulp(b.get(i).floatValue()) * 2.0 + 1e-7));
                    }
                }
            }
        }
    }
}
