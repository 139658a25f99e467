package io.weightbench.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The fixtures of scripts/make_gguf_fixtures.py: both big-endian markings, version 2, alignments 1
 * and 256, every metadata value type, tensor types this program does not decode, and hostile
 * headers, each refused in one line that names the file.
 */
class GgufFixturesTest {

    static Path dir() {
        return TestFiles.fixtures().resolve("gguf");
    }

    static Checkpoint open(String name) throws IOException {
        return Formats.standard().open(dir().resolve(name));
    }

    static double[] values(TensorData t) throws IOException {
        double[] out = new double[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> out[(int) i] = v);
        return out;
    }

    @Test
    void everyFixtureMatchesTheIndependentParse() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir())) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertThat(files).hasSize(7);
        assertThat(GgufCorpusTest.compareWithReference(files)).isGreaterThan(40);
    }

    @Test
    void bigEndianQuantizedBlocksDequantizeToTheLittleEndianFilesValues() throws Exception {
        Path le = GgufCorpusTest.corpus().resolve("ggml_generated_quant_types.gguf");
        try (Checkpoint a = Formats.standard().open(le); Checkpoint b = open("quant_types_be.gguf")) {
            assertThat(b.metadata().get("GGUF.byte_order")).startsWith("big-endian (byte-swapped version)");
            assertThat(b.tensors()).hasSameSizeAs(a.tensors());
            for (TensorEntry x : a.tensors()) {
                TensorData y = b.tensor(x.key()).orElseThrow().data();
                assertThat(y.dtype()).isEqualTo(x.data().dtype());
                assertThat(y.shape()).isEqualTo(x.data().shape());
                float[] want = GgufCorpusTest.values(x.data());
                GgufCorpusTest.assertSameBits(x.key() + " big-endian (streamed)", GgufCorpusTest.values(y), want);
                GgufCorpusTest.assertSameBits(x.key() + " big-endian (random access)", GgufCorpusTest.valuesByReader(y), want);
                if (!y.dtype().isBlockQuantized()) {
                    // plain elements are swapped to little-endian: the same canonical bytes
                    assertThat(CanonicalBytes.sha256(y)).isEqualTo(CanonicalBytes.sha256(x.data()));
                } else {
                    // block tensors hash their stored blocks, whose scales are big-endian here
                    assertThat(CanonicalBytes.sha256(y)).isNotEqualTo(CanonicalBytes.sha256(x.data()));
                }
            }
        }
    }

    @Test
    void fuggMagicMarksABigEndianFile() throws Exception {
        try (Checkpoint le = open("small_le.gguf"); Checkpoint be = open("small_be_fugg.gguf")) {
            assertThat(be.metadata().get("GGUF.byte_order")).startsWith("big-endian (FUGG magic)");
            assertThat(le.metadata()).containsEntry("GGUF.byte_order", "little-endian");
            Map<String, String> beMeta = new java.util.LinkedHashMap<>(be.metadata());
            Map<String, String> leMeta = new java.util.LinkedHashMap<>(le.metadata());
            beMeta.remove("GGUF.byte_order");
            leMeta.remove("GGUF.byte_order");
            assertThat(beMeta).isEqualTo(leMeta);
            assertThat(be.tensors().stream().map(TensorEntry::key).toList()).isEqualTo(le.tensors().stream().map(TensorEntry::key).toList());
            for (TensorEntry x : le.tensors()) {
                TensorData y = be.tensor(x.key()).orElseThrow().data();
                assertThat(values(y)).as(x.key()).isEqualTo(values(x.data()));
            }
        }
    }

    @Test
    void everyValueTypeIsShown() throws Exception {
        try (Checkpoint c = open("small_le.gguf")) {
            Map<String, String> m = c.metadata();
            assertThat(m).containsEntry("GGUF.version", "3").containsEntry("GGUF.tensor_count", "11")
                    .containsEntry("GGUF.kv_count", "22").containsEntry("GGUF.alignment", "32 (the default)")
                    .containsEntry("general.name", "small \"quoted\" \\ naïve — ünïcode\nsecond line")
                    .containsEntry("test.u8", "200").containsEntry("test.i8", "-100")
                    .containsEntry("test.u16", "65000").containsEntry("test.i16", "-30000")
                    .containsEntry("test.u32", "4000000000").containsEntry("test.i32", "-2000000000")
                    .containsEntry("test.f32", "0.25").containsEntry("test.bool_true", "true").containsEntry("test.bool_false", "false")
                    .containsEntry("test.u64", "18000000000000000000").containsEntry("test.i64", "-9000000000000000000")
                    .containsEntry("test.f64", "-1.5E300").containsEntry("test.empty_string", "")
                    .containsEntry("test.short_ints", "[3 int32: 1, -2, 3]")
                    .containsEntry("test.empty_array", "[0 float32]")
                    .containsEntry("test.long_floats", "[1000 float32: 0.0, 0.25, 0.5, ...]")
                    .containsEntry("test.long_strings", "[500 strings: \"tok0\", \"tok1\", \"tok2\", ...]")
                    .containsEntry("test.odd_strings", "[3 strings: \"a\\\"b\", \"tab\\there\", \"" + "x".repeat(64) + "\"...]")
                    .containsEntry("test.bools", "[3 bool: true, false, true]")
                    .containsEntry("test.nested", "[3 arrays: [2 int32: 1, 2], [1 strings: \"x\"], [1 arrays: [1 uint8: 7]]]");
            assertThat(c.warnings()).isEmpty();
        }
    }

    @Test
    void tensorsOfEveryPlainTypeAndShape() throws Exception {
        try (Checkpoint c = open("small_le.gguf")) {
            assertThat(c.tensor("scalar").orElseThrow().data().shape()).isEmpty();
            assertThat(values(c.tensor("scalar").orElseThrow().data())).containsExactly(42.5);
            assertThat(c.tensor("empty").orElseThrow().data().shape()).containsExactly(4, 0);
            assertThat(c.tensor("i32.4d").orElseThrow().data().shape()).containsExactly(1, 2, 3, 4);
            assertThat(values(c.tensor("i32.4d").orElseThrow().data())).containsExactly(
                    java.util.stream.IntStream.range(0, 24).asDoubleStream().toArray());
            assertThat(values(c.tensor("i64").orElseThrow().data())).containsExactly(-(double) (1L << 62), 0, (double) ((1L << 62) + 5));
            assertThat(values(c.tensor("i16").orElseThrow().data())).containsExactly(-300, -200, -100, 0, 100, 200);
            assertThat(c.tensor("bf16/with/slashes").orElseThrow().data().dtype().torchName()).isEqualTo("bfloat16");
            assertThat(c.tensor("q8_0.weight").orElseThrow().data().shape()).containsExactly(2, 32);
            assertThat(c.tensor("blk.0.attn_q.weight").orElseThrow().info())
                    .containsEntry("ggml_type", "F32").containsEntry("ne", "[4, 3]").containsEntry("offset", Long.toString(12384 + 64));
            // keys are the names verbatim: dots and slashes are not paths
            assertThat(c.tensor("blk.0.attn_q.weight").orElseThrow().path()).containsExactly("blk.0.attn_q.weight");
        }
    }

    @Test
    void versionTwoAndOtherAlignments() throws Exception {
        try (Checkpoint c = open("v2.gguf")) {
            assertThat(c.metadata()).containsEntry("GGUF.version", "2").containsEntry("test.list", "[3 uint32: 1, 2, 3]");
            assertThat(values(c.tensor("a").orElseThrow().data())).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(c.tensor("a").orElseThrow().data().shape()).containsExactly(2, 5);
        }
        for (String f : List.of("align1.gguf", "align256.gguf")) {
            try (Checkpoint c = open(f)) {
                assertThat(c.metadata()).containsKey("general.alignment").doesNotContainKey("GGUF.alignment");
                assertThat(values(c.tensor("i8").orElseThrow().data())).containsExactly(1, 2, 3);
                assertThat(values(c.tensor("f32").orElseThrow().data())).containsExactly(1.5, -2);
                assertThat(values(c.tensor("f16").orElseThrow().data())).containsExactly(1, 2, 3);
            }
        }
        try (Checkpoint c = open("align1.gguf")) {
            assertThat(c.tensor("f32").orElseThrow().info().get("offset")).isEqualTo("164"); // 161 + 3: no padding at all
        }
    }

    @Test
    void tensorsOfTypesNotDecodedAreSkippedWithOneWarning() throws Exception {
        try (Checkpoint c = open("unsupported_types.gguf")) {
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("plain");
            assertThat(c.warnings()).hasSize(1);
            assertThat(c.warnings().get(0)).isEqualTo("skipped 5 tensors of ggml types this program does not decode"
                    + " (Q8_K x1, IQ4_XS x1, MXFP4 x1, TQ2_0 x1, type 99 x1): 'q8_k' (Q8_K), 'iq4_xs' (IQ4_XS), 'mxfp4' (MXFP4),"
                    + " 'tq2_0' (TQ2_0), 'future' (type 99)");
        }
    }

    static List<Object[]> hostile() {
        List<Object[]> cases = new ArrayList<>();
        String[][] expected = {
            {"huge_tensor_count", "claims 4611686018427387904 tensors, more than the"},
            {"huge_kv_count", "claims 18446744073709551615 key/value pairs"},
            {"huge_string_length", "the GGUF header ends early: key 0 at offset 32 needs 1152921504606846976 bytes but the file has 67 left"},
            {"huge_array", "claims an array of 4611686018427387904 uint32 values"},
            {"huge_string_array", "claims an array of 1099511627776 string values"},
            {"huge_string_in_array", "the GGUF header ends early: a string in the array 'k' at offset 66 needs 9223372036854775808 bytes but the file has 64 left"},
            {"huge_string_late_in_array", "the GGUF header ends early: a string in the array 'k' at offset 138 needs 1099511627776 bytes but the file has 64 left"},
            {"long_key_with_newlines", "the GGUF key '" + "line\\n".repeat(20) + "...' has value type 13"},
            {"nested_too_deep", "holds arrays nested more than 8 deep"},
            {"unknown_value_type", "has value type 13, which GGUF does not define"},
            {"truncated_array", "the GGUF key 'test.tokens' claims an array of 20 string values, more than the 14 bytes left"},
            {"truncated_string", "the GGUF header ends early: the string value of 'k' at offset 45 needs 100 bytes but the file has 10 left"},
            {"version1", "GGUF version 1 (2023, with 32-bit counts) is not read"},
            {"version4", "GGUF version 4 is not one this program reads (2 and 3)"},
            {"version0", "GGUF version 0 is not one this program reads"},
            {"fugg_version1", "GGUF version 1"},
            {"duplicate_key", "the GGUF key 'general.architecture' appears twice"},
            {"duplicate_tensor", "two GGUF tensors are named 't'"},
            {"alignment_48", "general.alignment is 48, not a power of two"},
            {"alignment_zero", "general.alignment is 0, not a power of two"},
            {"alignment_uint64", "general.alignment is a uint64; GGUF requires a uint32"},
            {"offset_past_end", "the GGUF tensor 'far' (16 bytes at data offset 1099511627776) runs past the end of the file"},
            {"offset_huge", "the GGUF tensor 'far' (16 bytes at data offset 18446744073709551584) runs past the end"},
            {"zero_size_past_end", "the GGUF tensor 'empty' (0 bytes at data offset 4096) runs past the end"},
            {"data_cut_short", "the GGUF tensor 't' (256 bytes at data offset 0) runs past the end of the file (its data section holds 248 bytes)"},
            {"overlap", "the GGUF tensors 'a' and 'b' overlap (data bytes [0, 64) and [32, 64))"},
            {"unaligned_offset", "the GGUF tensor 'b' starts at data offset 20, not a multiple of the alignment 32"},
            {"five_dims", "the GGUF tensor 't' has 5 dimensions; ggml allows at most 4"},
            {"ne_overflow", "the GGUF tensor 't' has ne [4294967296, 4294967296, 4294967296], whose product overflows 64 bits"},
            {"ne_negative", "the GGUF tensor 't' has dimension 0 of 9223372036854775809 elements (over 2^63)"},
            {"bytes_overflow", "the GGUF tensor 't' with ne [2305843009213693952, 2] would take over 2^63 bytes"},
            {"block_row_not_whole", "the GGUF tensor 't' of type Q8_0 has 48 values per row, not a multiple of its 32-value blocks"},
            {"block_scalar", "the GGUF tensor 't' of type Q8_0 is a scalar, which cannot fill its 32-value blocks"},
            {"data_start_past_end", "the GGUF data section would start at offset 1048576"},
        };
        for (String[] e : expected) cases.add(new Object[] {e[0], e[1]});
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileHeadersAreRefusedInOneLine(String name, String message) throws Exception {
        Path f = dir().resolve("hostile").resolve(name + ".gguf");
        assertThat(f).exists();
        assertThatThrownBy(() -> Formats.standard().open(f).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(f.toString() + ": ")
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void everyHostileFixtureIsCovered() throws Exception {
        try (Stream<Path> s = Files.list(dir().resolve("hostile"))) {
            assertThat(s.map(p -> p.getFileName().toString().replace(".gguf", "")).sorted().toList())
                    .containsExactlyInAnyOrderElementsOf(hostile().stream().map(o -> (String) o[0]).toList());
        }
    }
}
