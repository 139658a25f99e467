package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file of {@code ../shared/realworld} opens and lists exactly the tensors (key, dtype, shape,
 * and strides where torch reported them) that its {@code .keys.txt} gives; the non-checkpoints
 * fail with a clear message naming the file. Every tensor's bytes are also streamed once
 * (canonical hash), so storage bounds are exercised on real files.
 */
class RealWorldCorpusTest {

    /** Files that must be refused, with a word their message must contain. */
    static final Map<String, String> REFUSED = Map.of(
            "tracel-ai__burn/crates__burn-store__src__pytorch__tests__reader__test_data__broken.pt", "not a checkpoint format");

    /**
     * The HDF5 file (ELMo weights, not Keras): its keys.txt lists nothing (torch cannot read it), so
     * it is checked against h5py's listing, committed by scripts/keras_reference.py.
     */
    static final String HDF5 = "allenai__allennlp/test_fixtures__elmo__lm_weights.hdf5";

    /**
     * The 2019 model.json TorchScript file: its keys.txt lists the raw tensor table (torch 1.13
     * cannot load it); Weightbench names the tensor by its module attribute, as jit.load did.
     */
    static final String LEGACY_TORCHSCRIPT = "LaurentMazare__tch-rs/tests__foo__2019_4d2584b.pt";

    record Expected(String key, String dtype, List<Long> shape, long[] strides, long offset) {}

    @TestFactory
    Stream<DynamicTest> everyCorpusFileOpensAsTorchSaw() throws Exception {
        return TestFiles.visibly("everyCorpusFileOpensAsTorchSaw", () -> {
            Path root = TestFiles.realworld();
            List<String> lines = Files.readAllLines(root.resolve("MANIFEST.tsv"));
            assertThat(lines).hasSizeGreaterThan(70);
            return lines.stream().skip(1).map(l -> l.split("\t")[0]).map(name -> DynamicTest.dynamicTest(name, () -> check(root, name)));
        });
    }

    private void check(Path root, String name) throws IOException {
        Path file = root.resolve(name);
        if (REFUSED.containsKey(name)) {
            assertThatThrownBy(() -> Formats.standard().open(file).close())
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining(REFUSED.get(name));
            return;
        }
        if (name.equals(HDF5)) {
            checkAgainstH5py(file);
            return;
        }
        if (name.equals(LEGACY_TORCHSCRIPT)) {
            try (Checkpoint c = Formats.standard().open(file)) {
                assertThat(c.format()).isEqualTo("torchscript");
                assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("value");
                // Foo's buffer: Tensor([42.0])
                assertThat(CanonicalBytes.toArray(c.tensors().get(0).data())).containsExactly(0, 0, 0x28, 0x42);
            }
            return;
        }
        List<Expected> expected = parseKeys(root.resolve(name + ".keys.txt"));
        try (Checkpoint c = Formats.standard().open(file)) {
            List<String> keys = c.tensors().stream().map(TensorEntry::key).toList();
            assertThat(keys).as("tensor keys of %s", name).containsExactlyElementsOf(expected.stream().map(Expected::key).toList());
            for (int i = 0; i < expected.size(); i++) {
                Expected e = expected.get(i);
                TensorEntry t = c.tensors().get(i);
                assertThat(t.data().dtype().torchName()).as("dtype of %s", e.key()).isEqualTo(e.dtype());
                assertThat(Arrays.stream(t.data().shape()).boxed().toList()).as("shape of %s", e.key()).isEqualTo(e.shape());
                if (e.strides() != null) {
                    assertThat(t.data().strides()).as("strides of %s", e.key()).containsExactly(e.strides());
                    assertThat(t.data().storageOffset()).as("offset of %s", e.key()).isEqualTo(e.offset());
                }
                assertThat(CanonicalBytes.sha256(t.data())).hasSize(64);
            }
        }
    }

    private static void checkAgainstH5py(Path file) throws IOException {
        com.fasterxml.jackson.databind.JsonNode expected = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(TestFiles.fixtures().resolve("keras/corpus_expected.json").toFile())
                .get("files").get(file.getFileName().toString());
        List<String> want = new ArrayList<>();
        expected.get("tensors").forEach(t -> want.add(t.get("key").asText() + " " + t.get("dtype").asText() + " " + t.get("shape") + " "
                + t.get("sha256").asText()));
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo("hdf5");
            List<String> got = new ArrayList<>();
            for (TensorEntry t : c.tensors()) {
                got.add(t.key() + " " + t.data().dtype().torchName() + " " + Arrays.toString(t.data().shape()).replace(" ", "") + " "
                        + CanonicalBytes.sha256(t.data()));
            }
            assertThat(got).hasSize(33).containsExactlyElementsOf(want);
        }
    }

    private static final Pattern STRIDE = Pattern.compile("stride=\\(([^)]*)\\)");
    private static final Pattern OFFSET = Pattern.compile("offset=(\\d+)");

    /**
     * The tensor table of the first section where torch itself loaded the file; the static
     * listing (or the safetensors / numpy listing) where it did not.
     */
    static List<Expected> parseKeys(Path keysFile) throws IOException {
        List<String> lines = Files.readAllLines(keysFile);
        List<List<String>> sections = new ArrayList<>();
        List<String> current = null;
        for (String l : lines) {
            if (l.startsWith("== ")) {
                current = new ArrayList<>();
                sections.add(current);
            }
            if (current != null) current.add(l);
        }
        List<String> chosen = null;
        for (List<String> s : sections) {
            boolean torchOk = s.stream().anyMatch(l -> l.startsWith("result: OK"));
            if (torchOk) {
                chosen = s;
                break;
            }
        }
        if (chosen == null) {
            for (List<String> s : sections) {
                if (s.get(0).startsWith("== static pickle inspection (") || s.get(0).startsWith("== safetensors")
                        || s.get(0).startsWith("== numpy")) {
                    chosen = s;
                    break;
                }
            }
        }
        if (chosen == null) throw new IllegalStateException("no usable section in " + keysFile);
        boolean fromTorch = chosen.stream().anyMatch(l -> l.startsWith("result: OK"));
        boolean numpy = chosen.get(0).startsWith("== numpy");
        long declared = chosen.stream().filter(l -> l.startsWith("tensors: ") || l.startsWith("arrays: "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1).trim())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no tensor count in " + keysFile));
        List<Expected> out = new ArrayList<>();
        boolean inTable = numpy;
        for (String l : chosen) {
            if (l.startsWith("key\t")) {
                inTable = true;
                continue;
            }
            if (!inTable || l.isBlank() || l.startsWith("arrays:") || l.startsWith("== ")) continue;
            String[] f = l.split("\t");
            if (f.length < 3) continue;
            String dtype = f[1];
            DType d = DType.fromTorchName(dtype).or(() -> DType.fromSafetensorsCode(dtype))
                    .orElseThrow(() -> new IllegalStateException("unknown dtype " + dtype + " in " + keysFile));
            List<Long> shape = new ArrayList<>();
            for (String part : f[2].replace("(", "").replace(")", "").split(",")) {
                if (!part.isBlank()) shape.add(Long.parseLong(part.trim()));
            }
            long[] strides = null;
            long offset = 0;
            if (fromTorch && f.length > 3) {
                Matcher m = STRIDE.matcher(f[3]);
                if (m.find()) {
                    strides = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
                }
                Matcher o = OFFSET.matcher(f[3]);
                if (o.find()) offset = Long.parseLong(o.group(1));
            }
            out.add(new Expected(normalizeKey(f[0]), d.torchName(), shape, strides, offset));
        }
        assertThat(out).as("rows parsed from %s", keysFile).hasSize((int) declared);
        return out;
    }

    /**
     * The corpus writes tuple indices as {@code [i]}, object state as {@code <state>}, a bare array as
     * {@code <array>}, and walks pickled modules through {@code _modules} / {@code _parameters} /
     * {@code _buffers}; DESIGN.md's keys join every step with a dot and show modules by state_dict key.
     */
    static String normalizeKey(String k) {
        String s = k.replaceAll("\\[(\\d+)]", ".$1").replace("<state>", ".<state>").replace("<array>", "<root>");
        s = s.replace("._modules.", ".").replace("._parameters.", ".").replace("._buffers.", ".");
        if (s.startsWith(".")) s = s.substring(1);
        return s.replace("..", ".");
    }
}
