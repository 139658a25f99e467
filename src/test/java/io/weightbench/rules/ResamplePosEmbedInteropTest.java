package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.tensor.TensorData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** resample_pos_embed against torch's F.interpolate (timm's logic), up and down, with and without antialias. */
class ResamplePosEmbedInteropTest {

    @Test
    void matchesTorchsBicubicInterpolation(@TempDir Path dir) throws Exception {
        TestFiles.runTorchScript("scripts/resample_pos_embed.py", dir.toString());
        try (Checkpoint src = Formats.standard().open(dir.resolve("posemb.pth"))) {
            TensorData pe = src.tensor("pos_embed").orElseThrow().data();
            for (int[] g : new int[][] {{16, 16}, {10, 12}}) {
                for (boolean aa : new boolean[] {true, false}) {
                    String name = "ref_" + g[0] + "x" + g[1] + "_" + (aa ? 1 : 0) + ".pth";
                    try (Checkpoint ref = Formats.standard().open(dir.resolve(name))) {
                        TensorData want = ref.tensor("pos_embed").orElseThrow().data();
                        TensorData got = new TensorRule.ResamplePosEmbed(".*", g[0], g[1], 1, aa).transform(pe, "pos_embed");
                        assertThat(got.shape()).as(name).containsExactly(want.shape());
                        List<Double> a = TensorRuleDataTest.values(got);
                        List<Double> b = TensorRuleDataTest.values(want);
                        double worst = 0;
                        for (int i = 0; i < a.size(); i++) worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
                        assertThat(worst).as("largest difference for " + name).isLessThan(1e-5);
                        assertThat(a.subList(0, 48)).as("class token kept").isEqualTo(b.subList(0, 48));
                    }
                }
            }
        }
    }
}
