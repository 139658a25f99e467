package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.tensor.TensorData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** flip along the last dimension, reversed a chunk at a time: across chunk ends, on strided sources, with other dimensions flipped too. */
class FlipChunksTest {

    @Test
    void aLongLastDimensionReversesAcrossChunks() throws Exception {
        int n = 700_001; // more than two 1 MiB chunks of float32, and not a multiple of one
        List<Double> v = RuleOpsTest.values(new TensorRule.Flip(".*", new int[] {0}).transform(RuleOpsTest.arange(n), "t"));
        assertThat(v).hasSize(n);
        for (int i = 0; i < n; i += 9_999) assertThat(v.get(i)).isEqualTo(n - 1 - i);
        assertThat(v.get(n - 1)).isZero();
    }

    @Test
    void stridedSourcesAndSeveralDimensions() throws Exception {
        // [3, 4] transposed to [4, 3] (strided), flipped along both: element [i][j] = source[3-i][2-j] = (2-j)*4 + (3-i)
        TensorData tr = new TensorRule.Transpose(".*", 0, 1).transform(RuleOpsTest.arange(3, 4), "t");
        List<Double> v = RuleOpsTest.values(new TensorRule.Flip(".*", new int[] {0, 1}).transform(tr, "t"));
        assertThat(v).containsExactly(11.0, 7.0, 3.0, 10.0, 6.0, 2.0, 9.0, 5.0, 1.0, 8.0, 4.0, 0.0);
        // a Theano kernel's spatial flip [out, in, h, w] -> dims 2, 3
        List<Double> k = RuleOpsTest.values(new TensorRule.Flip(".*", new int[] {2, 3}).transform(RuleOpsTest.arange(1, 2, 2, 2), "k"));
        assertThat(k).containsExactly(3.0, 2.0, 1.0, 0.0, 7.0, 6.0, 5.0, 4.0);
    }
}
