package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.export.Exporter;
import io.weightbench.format.Formats;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.TensorData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorRuleDataTest {

    static List<Double> values(TensorData t) throws Exception {
        List<Double> out = new ArrayList<>();
        ElementDecoder.forEach(t, (i, v) -> out.add(v));
        return out;
    }

    static TensorData tensor(String fixture, String key) throws Exception {
        Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve(fixture));
        return c.tensor(key).orElseThrow().data();
    }

    /** torch computed f16, bf16, f64 and int32 from the same values as the f32 / i64 entries. */
    @Test
    void castsMatchTorchBitForBit() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.fixtures().resolve("expected.json").toFile())
                .get("files").get("dtypes_zip.pt").get("tensors");
        TensorData f32 = tensor("dtypes_zip.pt", "f32");
        TensorData i64 = tensor("dtypes_zip.pt", "i64");
        assertThat(CanonicalBytes.sha256(new TensorRule.Cast(".*", DType.FLOAT16).transform(f32, "f32"))).isEqualTo(sha(expected, "f16"));
        assertThat(CanonicalBytes.sha256(new TensorRule.Cast(".*", DType.BFLOAT16).transform(f32, "f32"))).isEqualTo(sha(expected, "bf16"));
        assertThat(CanonicalBytes.sha256(new TensorRule.Cast(".*", DType.FLOAT64).transform(f32, "f32"))).isEqualTo(sha(expected, "f64"));
        assertThat(CanonicalBytes.sha256(new TensorRule.Cast(".*", DType.INT32).transform(i64, "i64"))).isEqualTo(sha(expected, "i32"));
        assertThat(CanonicalBytes.sha256(new TensorRule.Cast(".*", DType.BOOL).transform(f32, "f32")))
                .isNotEqualTo(sha(expected, "b")); // x != 0, not x > 0: a different tensor, as in torch
    }

    private static String sha(JsonNode tensors, String key) {
        for (JsonNode t : tensors) if (t.get("key").asText().equals(key)) return t.get("sha256").asText();
        throw new AssertionError(key);
    }

    @Test
    void halfAndBfloat16RoundToNearestEven() {
        assertThat(TensorBytes.floatToHalf(1.0f)).isEqualTo((short) 0x3c00);
        assertThat(TensorBytes.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
        assertThat(TensorBytes.floatToHalf(65519f)).isEqualTo((short) 0x7bff);
        assertThat(TensorBytes.floatToHalf(65520f)).isEqualTo((short) 0x7c00);
        assertThat(TensorBytes.floatToHalf((float) Math.pow(2, -24))).isEqualTo((short) 0x0001);
        assertThat(TensorBytes.floatToHalf((float) Math.pow(2, -25))).isEqualTo((short) 0x0000);
        assertThat(TensorBytes.floatToHalf(1.0f + (float) Math.pow(2, -11))).isEqualTo((short) 0x3c00); // tie -> even
        assertThat(TensorBytes.floatToHalf(1.0f + 3 * (float) Math.pow(2, -11))).isEqualTo((short) 0x3c02);
        assertThat(TensorBytes.floatToHalf(Float.NaN) & 0x7c00).isEqualTo(0x7c00);
        assertThat(TensorBytes.floatToBfloat16(1.0f)).isEqualTo((short) 0x3f80);
        assertThat(TensorBytes.floatToBfloat16(Float.intBitsToFloat(0x3f808000))).isEqualTo((short) 0x3f80); // tie -> even
        assertThat(TensorBytes.floatToBfloat16(Float.intBitsToFloat(0x3f818000))).isEqualTo((short) 0x3f82);
        assertThat(TensorBytes.floatToBfloat16(Float.NaN)).isEqualTo((short) 0x7fc0);
    }

    @Test
    void viewsPermuteSliceAndReshapeWithoutCopying() throws Exception {
        TensorData base = tensor("views_zip.pt", "base"); // arange(60)
        TensorData m = TensorRule.transformAll(base, List.of(new TensorRule.Reshape(".*", new long[] {6, -1}),
                new TensorRule.Transpose(".*", 0, 1), new TensorRule.Slice(".*", 0, 2, 5, 1)), "base");
        assertThat(m.shape()).containsExactly(3, 6);
        assertThat(m.storage()).isSameAs(base.storage());
        assertThat(values(m)).containsExactly(2.0, 12.0, 22.0, 32.0, 42.0, 52.0, 3.0, 13.0, 23.0, 33.0, 43.0, 53.0, 4.0, 14.0, 24.0, 34.0, 44.0, 54.0);
        TensorData p = new TensorRule.Reshape(".*", new long[] {-1}).transform(tensor("views_zip.pt", "permuted"), "permuted");
        assertThat(values(p)).hasSize(60).startsWith(0.0, 5.0, 10.0, 15.0, 20.0); // [i,j,k] = base[20j + 5k + i]
    }

    @Test
    void transformsThatDoNotFitNameTheKey() {
        List<TensorSpec> t = List.of(new TensorSpec("fc.weight", List.of(10L, 4L), DType.FLOAT32));
        assertThatThrownBy(() -> new RuleSet(List.of(new TensorRule.Permute("fc", new int[] {0, 1, 2}))).apply(t))
                .isInstanceOf(RuleException.class).hasMessageContaining("'fc.weight' has 2 dimensions");
        assertThatThrownBy(() -> new RuleSet(List.of(new TensorRule.Slice("fc", 0, 0, 20, 1))).apply(t))
                .hasMessageContaining("does not fit 'fc.weight' of shape [10, 4]");
        assertThatThrownBy(() -> new RuleSet(List.of(new TensorRule.Reshape("fc", new long[] {3, -1}))).apply(t))
                .hasMessageContaining("does not fit 'fc.weight'");
    }

    @Test
    void slicingAHeadExportsTheFirstClasses(@TempDir Path dir) throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("training_checkpoint.pth"))) {
            RuleSet rules = new RuleSet(List.of(new TensorRule.Slice("^4\\.", 0, 0, 3, 1), new TensorRule.Cast("weight$", DType.FLOAT16)));
            Path out = dir.resolve("sliced.safetensors");
            Exporter.export(c, rules, out);
            try (Checkpoint back = Formats.standard().open(out)) {
                TensorEntry w = back.tensor("4.weight").orElseThrow();
                assertThat(w.data().shape()).containsExactly(3, 144);
                assertThat(w.data().dtype()).isEqualTo(DType.FLOAT16);
                assertThat(back.tensor("4.bias").orElseThrow().data().shape()).containsExactly(3);
                List<Double> original = values(c.tensor("state_dict.4.weight").orElseThrow().data()).subList(0, 3 * 144);
                List<Double> got = values(w.data());
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i)).isCloseTo(original.get(i), org.assertj.core.data.Offset.offset(Math.abs(original.get(i)) * 1e-3 + 1e-7));
                }
            }
        }
    }

    @Test
    void tensorRulesRoundTripThroughJson(@TempDir Path dir) throws Exception {
        RuleSet rules = new RuleSet(List.of(new TensorRule.Permute("kernel$", new int[] {3, 2, 0, 1}), new TensorRule.Transpose("w", 0, 1),
                new TensorRule.Slice("head", 0, 0, 5, 1), new TensorRule.Reshape("x", new long[] {2, -1}), new TensorRule.Cast(".*", DType.FLOAT32),
                new TensorRule.AdaptInputConv("^conv1", 1), new TensorRule.ResamplePosEmbed("pos_embed", 16, 16, 1, true)));
        Path f = dir.resolve("r.json");
        rules.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(rules);
    }
}
