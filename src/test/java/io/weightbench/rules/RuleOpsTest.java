package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The version-2 ops on keys, shapes and (small, hand-checked) data; torch's data in RuleOpsInteropTest. */
class RuleOpsTest {

    static TensorSpec spec(String key, long... shape) {
        List<Long> s = new ArrayList<>();
        for (long d : shape) s.add(d);
        return new TensorSpec(key, s, DType.FLOAT32);
    }

    static RuleSet.Applied apply(List<Rule> rules, TensorSpec... specs) throws RuleException {
        return new RuleSet(rules).apply(List.of(specs));
    }

    /** arange(n) as float32 of {@code shape}. */
    static TensorData arange(long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(i);
        return TensorData.contiguous(new Storage("t", DType.FLOAT32, n, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(b.array())), shape);
    }

    static List<Double> values(TensorData t) throws Exception {
        List<Double> out = new ArrayList<>();
        ElementDecoder.forEach(t, (i, v) -> out.add(v));
        return out;
    }

    @Test
    void layoutChoosesThePermutationByKind() throws Exception {
        RuleSet.Applied a = apply(List.of(new TensorRule.Layout("kernel$", "auto")),
                spec("dense.kernel", 5, 7), spec("conv.kernel", 3, 3, 4, 6), spec("c1.kernel", 3, 4, 6), spec("c3.kernel", 2, 3, 3, 4, 6),
                spec("dw.depthwise_kernel", 3, 3, 8, 2), spec("bn.kernel", 6));
        assertThat(a.tensors()).extracting(TensorSpec::shape).containsExactly(List.of(7L, 5L), List.of(6L, 4L, 3L, 3L), List.of(6L, 4L, 3L),
                List.of(6L, 4L, 2L, 3L, 3L), List.of(16L, 1L, 3L, 3L), List.of(6L));
        assertThat(apply(List.of(new TensorRule.Layout("k", "conv_transpose")), spec("k", 4, 4, 6, 3)).tensors().get(0).shape())
                .containsExactly(3L, 6L, 4L, 4L);
        assertThatThrownBy(() -> apply(List.of(new TensorRule.Layout("k", "dense")), spec("k", 3, 3, 4)))
                .hasMessageContaining("'k' of shape [3, 3, 4] is not a dense kernel");
        // data: a dense kernel [2, 3] -> its transpose
        TensorData t = new TensorRule.Layout("k", "dense").transform(arange(2, 3), "k");
        assertThat(values(t)).containsExactly(0.0, 3.0, 1.0, 4.0, 2.0, 5.0);
    }

    @Test
    void squeezeUnsqueezeAndFlip() throws Exception {
        assertThat(apply(List.of(new TensorRule.Squeeze("x", 0), new TensorRule.Unsqueeze("x", -1)), spec("x", 1, 4, 3)).tensors().get(0).shape())
                .containsExactly(4L, 3L, 1L);
        assertThatThrownBy(() -> apply(List.of(new TensorRule.Squeeze("x", 1)), spec("x", 1, 4)))
                .hasMessageContaining("has size 4 there, not 1");
        assertThat(values(new TensorRule.Flip("x", new int[] {1}).transform(arange(2, 3), "x"))).containsExactly(2.0, 1.0, 0.0, 5.0, 4.0, 3.0);
        assertThat(values(new TensorRule.Flip("x", new int[] {0, 1}).transform(arange(2, 3), "x"))).containsExactly(5.0, 4.0, 3.0, 2.0, 1.0, 0.0);
        assertThatThrownBy(() -> apply(List.of(new TensorRule.Flip("x", new int[] {2})), spec("x", 2, 3)))
                .hasMessageContaining("has 2 dimensions (no dimension 2)");
    }

    @Test
    void splitNamesThePartsFromTheMatchAndJoinConsumesThem() throws Exception {
        RuleSet.Applied a = apply(List.of(new MultiKeyRule.Split("^(.*)\\.qkv\\.weight$", 0, List.of("$1.q.weight", "$1.k.weight", "$1.v.weight"))),
                spec("attn.qkv.weight", 12, 4), spec("attn.proj.weight", 4, 4));
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.proj.weight");
        assertThat(a.tensors().get(0).shape()).containsExactly(4L, 4L);
        assertThat(a.renamedFrom()).containsEntry("attn.k.weight", "attn.qkv.weight");
        assertThat(a.dropped()).isEmpty();
        assertThatThrownBy(() -> apply(List.of(new MultiKeyRule.Split("qkv", 0, List.of("q", "k", "v"))), spec("qkv", 10, 4)))
                .hasMessageContaining("does not split into 3 equal parts");

        MultiKeyRule.Join cat = new MultiKeyRule.Join("^(.*)\\.q\\.weight$", List.of("$1.q.weight", "$1.k.weight", "$1.v.weight"), "$1.in_proj_weight", 0, false);
        RuleSet.Applied j = apply(List.of(cat), spec("a.q.weight", 4, 4), spec("a.k.weight", 4, 4), spec("x", 1), spec("a.v.weight", 4, 4));
        assertThat(j.tensors()).extracting(TensorSpec::key).containsExactly("a.in_proj_weight", "x");
        assertThat(j.tensors().get(0).shape()).containsExactly(12L, 4L);
        assertThat(j.lineageOf("a.in_proj_weight").sources()).containsExactly("a.q.weight", "a.k.weight", "a.v.weight");
        assertThatThrownBy(() -> apply(List.of(cat), spec("a.q.weight", 4, 4), spec("a.k.weight", 4, 4)))
                .hasMessageContaining("'a.q.weight' has no part 'a.v.weight'");
        assertThatThrownBy(() -> apply(List.of(cat), spec("a.q.weight", 4, 4), spec("a.k.weight", 4, 5), spec("a.v.weight", 4, 4)))
                .hasMessageContaining("does not fit");
        MultiKeyRule.Join stack = new MultiKeyRule.Join("^l0$", List.of("l0", "l1"), "l", 0, true);
        assertThat(apply(List.of(stack), spec("l0", 2, 3), spec("l1", 2, 3)).tensors().get(0).shape()).containsExactly(2L, 2L, 3L);

        // data: split then concat in another order
        Map<String, TensorData> src = Map.of("w", arange(4, 2));
        RuleSet r = new RuleSet(List.of(new MultiKeyRule.Split("^w$", 0, List.of("a", "b")),
                new MultiKeyRule.Join("^b$", List.of("b", "a"), "w2", 0, false)));
        RuleSet.Applied ra = r.apply(List.of(spec("w", 4, 2)));
        assertThat(values(ra.data("w2", src::get))).containsExactly(4.0, 5.0, 6.0, 7.0, 0.0, 1.0, 2.0, 3.0);
    }

    @Test
    void gateBlocksReorderByConvention() throws Exception {
        TensorRule.ReorderBlocks onnx = new TensorRule.ReorderBlocks("w", 0, TensorRule.ReorderBlocks.CONVENTIONS.get("onnx_lstm"),
                TensorRule.ReorderBlocks.CONVENTIONS.get("torch_lstm"));
        // blocks i, o, f, c of one row each -> i, f, c, o
        assertThat(values(onnx.transform(arange(4, 1), "w"))).containsExactly(0.0, 2.0, 3.0, 1.0);
        assertThatThrownBy(() -> apply(List.of(onnx), spec("w", 6, 2))).hasMessageContaining("does not split into 4 equal blocks");
        assertThatThrownBy(() -> new TensorRule.ReorderBlocks("w", 0, List.of("i", "f"), List.of("i", "o")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void renamesWithArithmeticAndTokenMaps() throws Exception {
        RuleSet rules = new RuleSet(List.of(new Rule.StripSuffix(":0"),
                new Rule.MapTokens(KeyPattern.of("/"), ".", Map.of("kernel", "weight", "gamma", "weight", "beta", "bias",
                        "moving_mean", "running_mean", "moving_variance", "running_var")),
                new Rule.Renumber(KeyPattern.of("^block_(\\d+)_(\\d+)\\."), "blocks.$1.$2.", Map.of("1", -1L, "2", 1L))));
        assertThat(apply(rules.rules(), spec("block_1_0/conv/kernel:0", 1), spec("block_2_3/bn/moving_variance:0", 1), spec("head/beta", 1))
                .tensors()).extracting(TensorSpec::key)
                .containsExactly("blocks.0.1.conv.weight", "blocks.1.4.bn.running_var", "head.bias");
    }

    @Test
    void aLazyCastReadsAnyByteRangeAsTheWholeConversionDoes() throws Exception {
        TensorData t = arange(1000);
        TensorData lazy = new TensorRule.Cast(".*", DType.FLOAT16).transform(t, "t");
        TensorData copy = TensorBytes.materialize(t, DType.FLOAT16);
        assertThat(CanonicalBytes.sha256(lazy)).isEqualTo(CanonicalBytes.sha256(copy));
        byte[] all = CanonicalBytes.toArray(copy);
        byte[] part = new byte[777];
        lazy.storage().bytes().read(3, part, 0, part.length); // starts in the middle of an element
        assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(all, 3, 780));
        // a strided source goes through a copy
        TensorData strided = new TensorRule.Transpose(".*", 0, 1).transform(arange(10, 100), "t");
        assertThat(values(new TensorRule.Cast(".*", DType.FLOAT64).transform(strided, "t"))).isEqualTo(values(strided));
    }

    @Test
    void everyOpRoundTripsThroughJsonAndNewOpsWriteVersion2(@TempDir Path dir) throws Exception {
        RuleSet rules = new RuleSet(List.of(new Rule.StripSuffix(":0"), new Rule.MapTokens(KeyPattern.of("/"), ".", Map.of("kernel", "weight")),
                new Rule.Renumber(KeyPattern.of("^b_(\\d+)"), "b.$1", Map.of("1", -1L)), new TensorRule.Layout("k", "auto"),
                new TensorRule.Squeeze("s", 0), new TensorRule.Unsqueeze("u", 1), new TensorRule.Flip("f", new int[] {2, 3}),
                new TensorRule.ReorderBlocks("g", 0, List.of("i", "o", "f", "c"), List.of("i", "f", "c", "o")),
                new MultiKeyRule.Split(KeyPattern.of("qkv"), 0, List.of("q", "k", "v"), List.of(2L, 1L, 1L), false),
                new MultiKeyRule.Join("^q$", List.of("q", "k"), "qk", 0, false), new MultiKeyRule.Join("^a$", List.of("a", "b"), "ab", 1, true)),
                java.util.Optional.of("keras"));
        Path f = dir.resolve("r.json");
        rules.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(rules);
        assertThat(java.nio.file.Files.readString(f)).contains("\"weightbench_rules\" : 2").contains("\"preset\" : \"keras\"");
    }

    @Test
    void splitsAndJoinsOfQuantizedTensorsAskForACastFirst() {
        TensorData q8 = TensorData.contiguous(new Storage("q", DType.Q8_0, 64, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(new byte[68])), new long[] {2, 32});
        assertThatThrownBy(() -> new MultiKeyRule.Split("w", 0, List.of("a", "b")).part(q8, "w", 0))
                .isInstanceOf(RuleException.class).hasMessageContaining("'w' is quantized (q8_0)");
        assertThatThrownBy(() -> new MultiKeyRule.Join("^a$", List.of("a", "b"), "ab", 0, false).join(List.of(q8, q8), "ab"))
                .isInstanceOf(RuleException.class).hasMessageContaining("cast it to a float type first");
    }
}
