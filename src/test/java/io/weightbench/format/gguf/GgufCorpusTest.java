package io.weightbench.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.ElementReader;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The real GGUF files of ../shared/crossframework/gguf: ggml's own dequantization as the truth for
 * every block type, and an independent Python parse (scripts/gguf_reference.py) as the truth for
 * keys, types, shapes, hashes and key/value pairs.
 */
class GgufCorpusTest {

    static final String SCRIPT = "scripts/gguf_reference.py";

    static Path corpus() {
        return TestFiles.crossframework().resolve("gguf");
    }

    static List<Path> corpusFiles() throws IOException {
        try (Stream<Path> s = Files.list(corpus())) {
            return s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
    }

    /** Every value of a tensor as float32, through the streaming decoder. */
    static float[] values(TensorData t) throws IOException {
        float[] out = new float[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> out[(int) i] = (float) v);
        return out;
    }

    /** The same values through the random-access reader (the path diffs take), in odd-sized pieces. */
    static float[] valuesByReader(TensorData t) throws IOException {
        float[] out = new float[(int) t.numel()];
        ElementReader r = new ElementReader(t);
        double[] buf = new double[77];
        for (long s = 0; s < t.numel(); s += buf.length) {
            int n = (int) Math.min(buf.length, t.numel() - s);
            r.read(s, buf, n);
            for (int i = 0; i < n; i++) out[(int) s + i] = (float) buf[i];
        }
        return out;
    }

    static void assertSameBits(String what, float[] actual, float[] expected) {
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            int a = Float.floatToRawIntBits(actual[i]);
            int e = Float.floatToRawIntBits(expected[i]);
            if (a != e) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + " (0x" + Integer.toHexString(a)
                        + "), ggml gives " + expected[i] + " (0x" + Integer.toHexString(e) + ")");
            }
        }
    }

    @Test
    void everyQuantizedTensorDequantizesBitForBitAsGgmlToFloat() throws Exception {
        Path quant = corpus().resolve("ggml_generated_quant_types.gguf");
        Path ref = corpus().resolve("ggml_generated_quant_types.dequant_ref_f32.gguf");
        int compared = 0;
        try (Checkpoint q = Formats.standard().open(quant); Checkpoint r = Formats.standard().open(ref)) {
            for (TensorEntry t : q.tensors()) {
                if (t.key().startsWith("dims.")) continue;
                TensorEntry expected = r.tensor(t.key()).orElseThrow();
                assertThat(expected.data().dtype()).isEqualTo(DType.FLOAT32);
                assertThat(t.data().shape()).isEqualTo(expected.data().shape());
                float[] want = values(expected.data());
                assertSameBits(t.key() + " (streamed)", values(t.data()), want);
                assertSameBits(t.key() + " (random access)", valuesByReader(t.data()), want);
                compared++;
            }
            assertThat(q.tensors().stream().map(t -> t.data().dtype().torchName()))
                    .contains("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k");
        }
        assertThat(compared).isEqualTo(13);
    }

    @Test
    void threeDimensionalTensorIsNeReversed() throws Exception {
        try (Checkpoint c = Formats.standard().open(corpus().resolve("ggml_generated_quant_types.gguf"))) {
            TensorData t = c.tensor("dims.ne3x4x5_values_0_to_59").orElseThrow().data();
            assertThat(t.shape()).containsExactly(5, 4, 3);
            float[] v = values(t);
            for (int i = 0; i < 60; i++) assertThat(v[i]).isEqualTo(i);
            // arr[1, 2, 0] in row-major order over shape (5, 4, 3)
            assertThat(v[1 * 12 + 2 * 3 + 0]).isEqualTo(18f);
            assertThat(c.tensor("dims.ne3x4x5_values_0_to_59").orElseThrow().info())
                    .containsEntry("ne", "[3, 4, 5]").containsEntry("ggml_type", "F32");
        }
    }

    @Test
    void keysTypesShapesAndHashesMatchAnIndependentParse() throws Exception {
        List<Path> files = corpusFiles();
        assertThat(files).hasSize(4);
        compareWithReference(files);
    }

    /** Runs the Python reader on {@code files} and compares every tensor and key/value with ours. */
    static int compareWithReference(List<Path> files) throws Exception {
        List<String> args = files.stream().map(Path::toString).toList();
        String out = TestFiles.runPythonScript("numpy", SCRIPT, args.toArray(String[]::new));
        JsonNode all = new ObjectMapper().readTree(out);
        int tensors = 0;
        for (Path f : files) {
            JsonNode ref = all.get(f.toString());
            assertThat(ref).as(f.toString()).isNotNull();
            try (Checkpoint c = Formats.standard().open(f)) {
                assertThat(c.format()).isEqualTo("gguf");
                assertThat(c.metadata()).containsEntry("GGUF.version", ref.get("version").asText());
                assertThat(c.metadata().get("GGUF.byte_order")).startsWith(ref.get("byte_order").asText());
                List<String> expectedKeys = new ArrayList<>();
                for (JsonNode t : ref.get("tensors")) {
                    if (t.get("dtype") == null || t.get("dtype").isNull()) continue;
                    expectedKeys.add(t.get("key").asText());
                    TensorEntry e = c.tensor(t.get("key").asText()).orElseThrow(() -> new AssertionError(f + ": missing " + t));
                    String what = f.getFileName() + ":" + e.key();
                    assertThat(e.data().dtype().torchName()).as(what).isEqualTo(t.get("dtype").asText());
                    long[] shape = new long[t.get("shape").size()];
                    for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
                    assertThat(e.data().shape()).as(what).isEqualTo(shape);
                    assertThat(e.data().nbytes()).as(what).isEqualTo(t.get("nbytes").asLong());
                    assertThat(CanonicalBytes.sha256(e.data())).as(what).isEqualTo(t.get("sha256").asText());
                    assertThat(e.info()).as(what).containsEntry("ggml_type", t.get("ggml_type").asText());
                    tensors++;
                }
                assertThat(c.tensors().stream().map(TensorEntry::key).toList()).as(f.toString()).isEqualTo(expectedKeys);
                compareKeyValues(f, c.metadata(), ref.get("kv"));
            }
        }
        return tensors;
    }

    /** Every key/value of the file is in the metadata, rendered from the same value. */
    static void compareKeyValues(Path f, Map<String, String> meta, JsonNode kv) throws IOException {
        for (Iterator<Map.Entry<String, JsonNode>> it = kv.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String what = f.getFileName() + ": " + e.getKey();
            String shown = meta.get(e.getKey());
            assertThat(shown).as(what).isNotNull();
            JsonNode v = e.getValue();
            switch (v.get("type").asText()) {
                case "string" -> assertThat(shown).as(what).isEqualTo(v.get("value").asText());
                case "float32" -> assertThat(Float.parseFloat(shown)).as(what).isEqualTo((float) v.get("value").asDouble());
                case "float64" -> assertThat(Double.parseDouble(shown)).as(what).isEqualTo(v.get("value").asDouble());
                case "bool" -> assertThat(shown).as(what).isEqualTo(v.get("value").asBoolean() ? "true" : "false");
                case "array" -> {
                    String plural = switch (v.get("element_type").asText()) {
                        case "string" -> "strings";
                        case "array" -> "arrays";
                        default -> v.get("element_type").asText();
                    };
                    assertThat(shown).as(what).startsWith("[" + v.get("count").asLong() + " " + plural);
                    JsonNode first = v.get("first");
                    if (first.size() > 0 && first.get(0).isTextual()) {
                        // quoted as JSON quotes it (for the characters the fixtures use)
                        assertThat(shown).as(what).contains(new ObjectMapper().writeValueAsString(first.get(0).asText()));
                    } else if (first.size() > 0 && first.get(0).isNumber()) {
                        String firstShown = shown.substring(shown.indexOf(": ") + 2).split("[,\\]]")[0];
                        assertThat(Double.parseDouble(firstShown)).as(what).isEqualTo(first.get(0).asDouble(), org.assertj.core.api.Assertions.withPrecision(1e-6));
                    }
                }
                default -> assertThat(shown).as(what).isEqualTo(v.get("value").asText());
            }
        }
    }
}
