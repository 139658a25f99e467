package io.weightbench.rules;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.json.JsonTree;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target for the rules engine: a rules file's bytes are parsed as apply, compare and the
 * workbench parse them, applied to a small model's keys (a conv, a BatchNorm, a fused qkv, an LSTM,
 * a long key), and every output tensor's data is computed from small tensors. Only
 * {@link IOException} (a refusal in one line: {@link RuleException}, JSON errors) may come out;
 * anything else, or a hang over libFuzzer's per-input limit (junit-platform.properties), is a
 * finding. {@code mvn test} replays the committed inputs under {@code RulesFuzzTestInputs/} (the
 * sample rules and the presets); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class RulesFuzzTest {

    private static final List<TensorSpec> KEYS = List.of(
            TensorSpec.of("module.conv1.weight", new long[] {8, 3, 3, 3}, DType.FLOAT32),
            TensorSpec.of("module.bn1.weight", new long[] {8}, DType.FLOAT32),
            TensorSpec.of("module.bn1.running_var", new long[] {8}, DType.FLOAT32),
            TensorSpec.of("module.bn1.num_batches_tracked", new long[] {}, DType.INT64),
            TensorSpec.of("blocks.0.attn.qkv.weight", new long[] {12, 4}, DType.FLOAT32),
            TensorSpec.of("lstm/kernel:0", new long[] {4, 16}, DType.FLOAT32),
            TensorSpec.of("dense_1/dense_1/kernel:0", new long[] {6, 2}, DType.FLOAT16),
            TensorSpec.of("head.weight", new long[] {10, 8}, DType.FLOAT32),
            TensorSpec.of("a".repeat(300) + ".weight", new long[] {2, 2}, DType.FLOAT32));

    private static final Map<String, TensorData> DATA = new HashMap<>();

    static {
        for (TensorSpec t : KEYS) {
            long[] shape = t.shape().stream().mapToLong(Long::longValue).toArray();
            long numel = 1;
            for (long d : shape) numel *= d;
            byte[] bytes = new byte[(int) (numel * t.dtype().itemSize())];
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 37 + 11);
            DATA.put(t.key(), TensorData.contiguous(new Storage(t.key(), t.dtype(), numel, ByteOrder.LITTLE_ENDIAN, "cpu",
                    ByteSource.of(bytes)), shape));
        }
    }

    @FuzzTest(maxDuration = "10m")
    void rulesFile(byte[] data) throws IOException {
        RuleSet rules;
        try {
            rules = RuleSet.fromJson(JsonTree.read(data));
        } catch (IOException expected) {
            return; // refusing a bad rules file is the point
        }
        RuleSet.Applied applied;
        try {
            applied = rules.apply(new ArrayList<>(KEYS));
        } catch (RuleException expected) {
            return;
        }
        for (TensorSpec out : applied.tensors()) {
            try {
                TensorData t = applied.data(out.key(), k -> {
                    TensorData d = DATA.get(k);
                    if (d == null) throw new IOException("no tensor " + k);
                    return d;
                });
                CanonicalBytes.sha256(t);
            } catch (IOException expected) {
                // a rule that cannot apply to this data says so in one line
            }
        }
    }
}
