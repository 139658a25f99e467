package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The add op: torch's {@code t + value}, bit for bit. */
class AddRuleTest {

    static TensorData floats(DType dtype, float... values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) b.putFloat(f);
        TensorData f32 = TensorData.contiguous(new Storage("t", DType.FLOAT32, values.length, ByteOrder.LITTLE_ENDIAN, "cpu",
                ByteSource.of(b.array())), new long[] {values.length});
        return TensorBytes.materialize(f32, dtype);
    }

    static ByteBuffer bytes(TensorData t) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CanonicalBytes.writeTo(t, out);
        return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bit patterns torch 1.13 gives for torch.tensor([1.0, 0.5, -2.0, 3.14159], dtype=D) + 0.00099. */
    @Test
    void addsAsTorchDoesInEachFloatType() throws Exception {
        TensorRule.Add add = new TensorRule.Add(".*", 0.00099);
        float[] in = {1.0f, 0.5f, -2.0f, 3.14159f};
        ByteBuffer f32 = bytes(add.transform(floats(DType.FLOAT32, in), "w"));
        assertThat(new int[] {f32.getInt(0), f32.getInt(4), f32.getInt(8), f32.getInt(12)})
                .containsExactly(1065361521, 1056981217, -1073750129, 1078534152);
        ByteBuffer f16 = bytes(add.transform(floats(DType.FLOAT16, in), "w"));
        assertThat(new short[] {f16.getShort(0), f16.getShort(2), f16.getShort(4), f16.getShort(6)})
                .containsExactly((short) 15361, (short) 14338, (short) -16385, (short) 16969);
        ByteBuffer bf16 = bytes(add.transform(floats(DType.BFLOAT16, in), "w"));
        assertThat(new short[] {bf16.getShort(0), bf16.getShort(2), bf16.getShort(4), bf16.getShort(6)})
                .containsExactly((short) 16256, (short) 16128, (short) -16384, (short) 16457);
        ByteBuffer f64 = bytes(add.transform(floats(DType.FLOAT64, in), "w"));
        assertThat(f64.getDouble(0)).isEqualTo(1.0 + 0.00099);
    }

    @Test
    void aLargeTensorIsWrittenInChunks() throws Exception {
        float[] in = new float[100_003];
        for (int i = 0; i < in.length; i++) in[i] = i;
        ByteBuffer out = bytes(new TensorRule.Add(".*", -1).transform(floats(DType.FLOAT32, in), "w"));
        assertThat(out.getFloat(0)).isEqualTo(-1f);
        assertThat(out.getFloat(4 * 100_002)).isEqualTo(100_001f);
        assertThat(out.capacity()).isEqualTo(4 * 100_003);
    }

    @Test
    void onlyFloatTensorsAndFiniteValues(@TempDir Path dir) throws Exception {
        RuleSet r = RuleSet.fromJson(io.weightbench.json.JsonTree.read(
                "{\"weightbench_rules\": 2, \"rules\": [{\"op\": \"add\", \"match\": \"running_var$\", \"value\": 0.00099}]}".getBytes()));
        assertThat(r.apply(List.of(new TensorSpec("bn.running_var", List.of(4L), DType.FLOAT32))).tensors()).hasSize(1);
        assertThatThrownBy(() -> r.apply(List.of(new TensorSpec("bn.running_var", List.of(4L), DType.INT64))))
                .hasMessageContaining("'bn.running_var' is int64");
        Path f = dir.resolve("r.json");
        r.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(r);
        Files.writeString(f, "{\"weightbench_rules\": 2, \"rules\": [{\"op\": \"add\", \"match\": \"w\", \"value\": \"1\"}]}");
        assertThatThrownBy(() -> RuleSet.read(f)).hasMessageContaining("add needs a finite number \"value\"");
        Files.writeString(f, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"add\", \"match\": \"w\", \"value\": 1}]}");
        assertThatThrownBy(() -> RuleSet.read(f)).hasMessageContaining("add is a version 2 op");
    }
}
