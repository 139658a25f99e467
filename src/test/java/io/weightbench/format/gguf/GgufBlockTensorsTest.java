package io.weightbench.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.export.Exporter;
import io.weightbench.format.Formats;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import io.weightbench.stats.CheckpointDiff;
import io.weightbench.stats.HealthCheck;
import io.weightbench.stats.TensorDiff;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block-quantized tensors through the rest of the program, checked against ggml's own
 * dequantization (the corpus's reference file): statistics, diffs, the health check, and a cast
 * rule to float32 on export to .safetensors and .pth.
 */
class GgufBlockTensorsTest {

    static final List<String> QUANTIZED = List.of("q4_0.weight", "q4_1.weight", "q5_0.weight", "q5_1.weight", "q8_0.weight",
            "q2_K.weight", "q3_K.weight", "q4_K.weight", "q5_K.weight", "q6_K.weight");

    static Checkpoint quant() throws Exception {
        return Formats.standard().open(GgufCorpusTest.corpus().resolve("ggml_generated_quant_types.gguf"));
    }

    static Checkpoint reference() throws Exception {
        return Formats.standard().open(GgufCorpusTest.corpus().resolve("ggml_generated_quant_types.dequant_ref_f32.gguf"));
    }

    @Test
    void statisticsOfABlockTensorAreThoseOfItsDequantizedValues() throws Exception {
        try (Checkpoint q = quant(); Checkpoint r = reference()) {
            for (String key : QUANTIZED) {
                TensorStats s = TensorStats.of(q.tensor(key).orElseThrow().data());
                TensorStats want = TensorStats.of(r.tensor(key).orElseThrow().data());
                assertThat(s.count()).as(key).isEqualTo(768);
                assertThat(s.min()).as(key).isEqualTo(want.min());
                assertThat(s.max()).as(key).isEqualTo(want.max());
                assertThat(s.zeros()).as(key).isEqualTo(want.zeros());
                assertThat(s.nan()).as(key).isZero();
                assertThat(s.mean()).as(key).isCloseTo(want.mean(), org.assertj.core.api.Assertions.within(1e-12));
                assertThat(s.std()).as(key).isCloseTo(want.std(), org.assertj.core.api.Assertions.within(1e-12));
            }
        }
    }

    @Test
    void aBlockTensorDiffsToZeroAgainstGgmlsDequantization() throws Exception {
        try (Checkpoint q = quant(); Checkpoint r = reference()) {
            for (String key : QUANTIZED) {
                TensorDiff d = TensorDiff.of(q.tensor(key).orElseThrow().data(), r.tensor(key).orElseThrow().data());
                assertThat(d.count()).as(key).isEqualTo(768);
                assertThat(d.maxAbs()).as(key).isZero();
            }
            CheckpointDiff.Result result = CheckpointDiff.diff(q.weights(), r.weights(), RuleSet.empty());
            assertThat(result.onlyInA()).containsExactly("dims.ne3x4x5_values_0_to_59");
            assertThat(result.onlyInB()).containsExactly("source.weight");
            Map<String, CheckpointDiff.Pair> pairs = result.pairs().stream().collect(Collectors.toMap(CheckpointDiff.Pair::key, p -> p));
            for (String key : QUANTIZED) {
                assertThat(pairs.get(key).diff().maxAbs()).as(key).isZero();
                assertThat(pairs.get(key).dtypeA()).isEqualTo(key.substring(0, 4).toLowerCase());
                assertThat(pairs.get(key).dtypeB()).isEqualTo("float32");
            }
            // and two different quantizations of the same source differ, as they should
            TensorDiff across = TensorDiff.of(q.tensor("q4_0.weight").orElseThrow().data(), q.tensor("q8_0.weight").orElseThrow().data());
            assertThat(across.maxAbs()).isGreaterThan(0);
        }
    }

    @Test
    void aCastRuleExportsBlockTensorsAsGgmlsFloat32(@TempDir Path dir) throws Exception {
        RuleSet cast = RuleSet.fromJson(new ObjectMapper().readTree(
                "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"cast\", \"match\": \".*\", \"dtype\": \"float32\"}]}"));
        for (String ext : List.of(".safetensors", ".pth")) {
            Path out = dir.resolve("dequantized" + ext);
            try (Checkpoint q = quant()) {
                Exporter.export(q, cast, out);
            }
            try (Checkpoint back = Formats.standard().open(out); Checkpoint r = reference()) {
                for (String key : QUANTIZED) {
                    TensorData t = back.tensor(key).orElseThrow().data();
                    assertThat(t.dtype()).as(key + ext).isEqualTo(DType.FLOAT32);
                    assertThat(t.shape()).as(key + ext).containsExactly(3, 256);
                    GgufCorpusTest.assertSameBits(key + ext, GgufCorpusTest.values(t), GgufCorpusTest.values(r.tensor(key).orElseThrow().data()));
                }
                assertThat(back.tensor("dims.ne3x4x5_values_0_to_59").orElseThrow().data().shape()).containsExactly(5, 4, 3);
            }
        }
    }

    @Test
    void castToFloat16GoesThroughGgmlsFloats() throws Exception {
        try (Checkpoint q = quant(); Checkpoint r = reference()) {
            TensorData half = TensorRule.transformAll(q.tensor("q6_K.weight").orElseThrow().data(), List.of(new TensorRule.Cast(".*", DType.FLOAT16)), "q6_K.weight");
            TensorData want = TensorRule.transformAll(r.tensor("q6_K.weight").orElseThrow().data(), List.of(new TensorRule.Cast(".*", DType.FLOAT16)), "q6_K.weight");
            assertThat(half.dtype()).isEqualTo(DType.FLOAT16);
            assertThat(io.weightbench.tensor.CanonicalBytes.sha256(half)).isEqualTo(io.weightbench.tensor.CanonicalBytes.sha256(want));
        }
    }

    @Test
    void exportingBlockTensorsWithoutACastIsRefusedClearly(@TempDir Path dir) throws Exception {
        try (Checkpoint q = quant()) {
            assertThatThrownBy(() -> Exporter.export(q, RuleSet.empty(), dir.resolve("raw.safetensors")))
                    .hasMessageContaining("q4_0")
                    .hasMessageContaining("add a cast rule to float32");
        }
    }

    @Test
    void theHealthCheckSeesNanInABlockTensor() throws Exception {
        // one q8_0 block whose scale is a float16 NaN: every value is NaN
        byte[] block = new byte[34];
        block[0] = 0x00;
        block[1] = 0x7e;
        for (int i = 2; i < 34; i++) block[i] = 1;
        Storage s = new Storage("nan", DType.Q8_0, 32, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(block));
        TensorEntry t = new TensorEntry(List.of("blk.0.attn_q.weight"), TensorData.contiguous(s, new long[] {1, 32}), false);
        assertThat(TensorStats.of(t.data()).nan()).isEqualTo(32);
        assertThat(HealthCheck.check(List.of(t))).extracting(HealthCheck.Finding::check).contains("nan");
    }
}
