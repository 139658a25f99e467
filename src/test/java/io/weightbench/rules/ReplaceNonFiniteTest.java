package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** replace_nonfinite and its fills on small hand-checked data; torch's torch.where in RuleOpsInteropTest. */
class ReplaceNonFiniteTest {

    static TensorData floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return TensorData.contiguous(new Storage("t", DType.FLOAT32, v.length, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(b.array())),
                new long[] {v.length});
    }

    static List<Double> values(TensorData t) throws Exception { return RuleOpsTest.values(t); }

    @Test
    void aConstantReplacesOnlyTheNonFiniteValuesAndTheyAreCounted() throws Exception {
        TensorData t = floats(1, Float.NaN, -2, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3);
        var rule = new TensorRule.ReplaceNonFinite(".*", new Fill.Constant(0.5), false);
        assertThat(TensorRule.ReplaceNonFinite.count(t)).isEqualTo(3);
        assertThat(values(rule.transform(t, "w"))).containsExactly(1.0, 0.5, -2.0, 0.5, 0.5, 3.0);
        // a tensor without any passes unchanged (the same data, not a copy)
        TensorData clean = floats(1, 2);
        assertThat(rule.transform(clean, "w")).isSameAs(clean);
        // in float16, through a cast
        TensorData half = new TensorRule.Cast(".*", DType.FLOAT16).transform(t, "w");
        assertThat(TensorRule.ReplaceNonFinite.count(half)).isEqualTo(3);
        assertThat(values(rule.transform(half, "w"))).containsExactly(1.0, 0.5, -2.0, 0.5, 0.5, 3.0);
    }

    @Test
    void wholeTensorsGetSeededNormalDrawsReproducibly() throws Exception {
        float[] v = new float[20000];
        v[7] = Float.NaN;
        TensorData t = floats(v);
        var rule = new TensorRule.ReplaceNonFinite(".*", new Fill.Normal(0, 0.02, 7), true);
        assertThat(rule.replaced(t)).isEqualTo(20000);
        List<Double> a = values(rule.transform(t, "w"));
        assertThat(values(rule.transform(t, "w"))).isEqualTo(a);
        assertThat(values(rule.transform(t, "other"))).isNotEqualTo(a); // seeded by the key too
        double mean = a.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double sd = Math.sqrt(a.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / a.size());
        assertThat(mean).isBetween(-0.001, 0.001);
        assertThat(sd).isBetween(0.0195, 0.0205);
        assertThat(a).allMatch(Double::isFinite);
    }

    @Test
    void replacedCountsPerRuleAndTensorOnceThroughASplit() throws Exception {
        TensorData t = floats(Float.NaN, 1, 2, Float.NaN);
        RuleSet rules = new RuleSet(List.of(new TensorRule.ReplaceNonFinite("^qkv$", new Fill.Constant(0), false),
                new MultiKeyRule.Split("^qkv$", 0, List.of("q", "k")),
                new TensorRule.ReplaceNonFinite("^q$", new Fill.Constant(1), true)));
        RuleSet.Applied applied = rules.apply(List.of(TensorSpec.of("qkv", t.shape(), t.dtype())));
        List<RuleSet.Replaced> r = rules.replaced(applied, k -> t);
        // rule 0 replaced 2 values of qkv (counted once for both parts); rule 2 found none left in q
        assertThat(r).containsExactly(new RuleSet.Replaced(0, "qkv", 2, 4));
        assertThat(values(applied.data("q", k -> t))).containsExactly(0.0, 1.0);
        assertThat(values(applied.data("k", k -> t))).containsExactly(2.0, 0.0);
    }

    @Test
    void roundTripsThroughJsonAndRefusesBadFills(@TempDir Path dir) throws Exception {
        RuleSet rules = new RuleSet(List.of(new TensorRule.ReplaceNonFinite("a", new Fill.Constant(0), false),
                new TensorRule.ReplaceNonFinite("b", new Fill.Normal(0, 0.02, 3), true),
                new TensorRule.ReplaceNonFinite("c", new Fill.Uniform(-1, 1, 0), false)));
        Path f = dir.resolve("r.json");
        rules.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(rules);
        assertThat(java.nio.file.Files.readString(f)).contains("\"weightbench_rules\" : 2");
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (Map.Entry<String, String> bad : Map.of(
                "{\"op\": \"replace_nonfinite\", \"match\": \".*\"}", "\"fill\" must be a number",
                "{\"op\": \"replace_nonfinite\", \"match\": \".*\", \"fill\": {\"normal\": [0]}}", "two numbers",
                "{\"op\": \"replace_nonfinite\", \"match\": \".*\", \"fill\": {\"normal\": [0, -1]}}", "std must not be negative",
                "{\"op\": \"replace_nonfinite\", \"match\": \".*\", \"fill\": \"nan\"}", "\"fill\" must be a number").entrySet()) {
            var json = mapper.readTree("{\"weightbench_rules\": 2, \"rules\": [" + bad.getKey() + "]}");
            assertThatThrownBy(() -> RuleSet.fromJson(json)).isInstanceOf(RuleException.class).hasMessageContaining(bad.getValue());
        }
    }
}
