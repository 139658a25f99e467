package io.weightbench.format.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras and HDF5 files read as h5py reads them: keys (in Weightbench's order), dtypes, shapes and
 * the SHA-256 of every tensor's canonical bytes, against {@code scripts/keras_reference.py} (h5py,
 * knowing nothing of this code). The fixtures come from {@code scripts/make_keras_fixtures.py};
 * the corpus files from {@code ../shared}. Expected listings are committed, and recomputed with
 * h5py when Debian's python3-h5py is installed.
 */
class KerasReaderTest {

    static final Path FIXTURES = TestFiles.fixtures().resolve("keras");

    record Row(String key, String dtype, List<Long> shape, String sha256) {}

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> committedFixturesReadAsH5pyReadsThem() throws Exception {
        return TestFiles.visibly("committedFixturesReadAsH5pyReadsThem", () -> {
            return testsFor(FIXTURES, FIXTURES.resolve("expected.json"), 11);
        });
    }

    /** New fixtures from the generator, checked against a fresh h5py listing (skipped without python3-h5py). */
    @TestFactory
    Stream<DynamicTest> freshFixturesReadAsH5pyReadsThem() throws Exception {
        return TestFiles.visibly("freshFixturesReadAsH5pyReadsThem", () -> {
            TestFiles.runPythonScript("numpy,h5py", "scripts/make_keras_fixtures.py", tmp.toString());
            List<String> args = new ArrayList<>(List.of("-o", tmp.resolve("expected.json").toString()));
            try (Stream<Path> files = Files.list(tmp)) {
                files.map(Path::toString).filter(n -> !n.contains("hostile_") && !n.endsWith(".json")).sorted().forEach(args::add);
            }
            TestFiles.runPythonScript("numpy,h5py", "scripts/keras_reference.py", args.toArray(String[]::new));
            return testsFor(tmp, tmp.resolve("expected.json"), 11);
        });
    }

    @TestFactory
    Stream<DynamicTest> corpusFilesReadAsH5pyReadsThem() throws Exception {
        return TestFiles.visibly("corpusFilesReadAsH5pyReadsThem", () -> {
            List<Path> files = corpusFiles();
            JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("corpus_expected.json").toFile()).get("files");
            assertThat(expected.size()).isEqualTo(files.size());
            return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                    () -> check(f, expected.get(f.getFileName().toString()))));
        });
    }

    /** The committed corpus listing is still what h5py says today (skipped without python3-h5py). */
    @Test
    void committedCorpusListingIsWhatH5pySays() throws Exception {
        List<Path> files = corpusFiles();
        List<String> args = new ArrayList<>(List.of("-o", tmp.resolve("corpus.json").toString()));
        files.forEach(f -> args.add(f.toString()));
        TestFiles.runPythonScript("numpy,h5py", "scripts/keras_reference.py", args.toArray(String[]::new));
        ObjectMapper m = new ObjectMapper();
        assertThat(m.readTree(tmp.resolve("corpus.json").toFile())).isEqualTo(m.readTree(FIXTURES.resolve("corpus_expected.json").toFile()));
    }

    static List<Path> corpusFiles() throws IOException {
        Path xf = TestFiles.crossframework();
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("keras_h5", "keras3")) {
            try (Stream<Path> s = Files.list(xf.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".h5") || p.toString().endsWith(".keras")).sorted().forEach(files::add);
            }
        }
        files.add(TestFiles.realworld().resolve("allenai__allennlp/test_fixtures__elmo__lm_weights.hdf5"));
        assertThat(files).hasSizeGreaterThanOrEqualTo(18);
        return files;
    }

    private Stream<DynamicTest> testsFor(Path dir, Path expectedJson, int atLeast) throws IOException {
        JsonNode files = new ObjectMapper().readTree(expectedJson.toFile()).get("files");
        assertThat(files.size()).isGreaterThanOrEqualTo(atLeast);
        List<DynamicTest> tests = new ArrayList<>();
        files.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(dir.resolve(e.getKey()), e.getValue()))));
        return tests.stream();
    }

    static void check(Path file, JsonNode expected) throws IOException {
        List<Row> want = new ArrayList<>();
        for (JsonNode t : expected.get("tensors")) {
            List<Long> shape = new ArrayList<>();
            t.get("shape").forEach(s -> shape.add(s.asLong()));
            want.add(new Row(t.get("key").asText(), t.get("dtype").asText(), shape, t.get("sha256").asText()));
        }
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo(expected.get("format").asText());
            assertThat(c.weightsEntry()).as("weights entry").isEqualTo(expected.get("weights_entry").asText());
            List<Row> got = new ArrayList<>();
            for (TensorEntry t : c.tensors()) {
                got.add(new Row(t.key(), t.data().dtype().torchName(), Arrays.stream(t.data().shape()).boxed().toList(),
                        CanonicalBytes.sha256(t.data())));
            }
            assertThat(got).containsExactlyElementsOf(want);
        }
    }

    private static Checkpoint open(String fixture) throws CheckpointException {
        return Formats.standard().open(FIXTURES.resolve(fixture));
    }

    @Test
    void fullModelShowsItsConfigurationAndKeepsTheOptimizerApart() throws IOException {
        try (Checkpoint c = open("full_model.h5")) {
            assertThat(c.metadata()).containsEntry("keras_version", "2.2.4").containsEntry("backend", "tensorflow")
                    .containsEntry("model_class", "Sequential").containsEntry("model_layers", "4").containsEntry("optimizer", "Adam")
                    .containsEntry("loss", "mse").containsEntry("layers", "4").containsKey("model_config").containsKey("training_config");
            assertThat(c.weightsEntry()).isEqualTo("model_weights");
            assertThat(c.weights()).extracting(TensorEntry::key).startsWith("conv2d_1/conv2d_1/kernel:0").hasSize(7);
            assertThat(c.tensor("optimizer_weights.training/Adam/iterations:0")).isPresent();
            assertThat(c.tensor("model_weights.dense_1/dense_1/kernel:0").orElseThrow().info()).containsEntry("layer", "dense_1");
            assertThat(c.warnings()).isEmpty();
        }
    }

    @Test
    void aLayerWithoutWeightsIsNoWarning() throws IOException {
        try (Checkpoint c = open("weights_only.h5")) {
            assertThat(c.format()).isEqualTo("keras-h5");
            assertThat(c.weightsEntry()).isEmpty();
            assertThat(c.tensors()).noneMatch(t -> t.key().startsWith("dropout_1"));
            assertThat(c.warnings()).isEmpty();
        }
    }

    @Test
    void theanoBackendIsFlagged() throws IOException {
        try (Checkpoint c = open("theano.h5")) {
            assertThat(c.metadata()).containsEntry("backend", "theano").containsEntry("theano_kernels", "flipped");
            assertThat(c.warnings()).anyMatch(w -> w.contains("Theano") && w.contains("flipped"));
        }
        try (Checkpoint c = Formats.standard().open(TestFiles.crossframework().resolve("keras_h5/dl4j_conv2d_theano_2.h5"))) {
            assertThat(c.metadata()).containsEntry("backend", "theano");
            assertThat(c.warnings()).anyMatch(w -> w.contains("Theano"));
        }
    }

    @Test
    void plainHdf5ListsNumericDatasetsAndSaysWhatItSkipped() throws IOException {
        try (Checkpoint c = open("plain.h5")) {
            assertThat(c.format()).isEqualTo("hdf5");
            assertThat(c.warnings()).anyMatch(w -> w.contains("names (strings)"));
            assertThat(c.warnings()).anyMatch(w -> w.contains("not followed") && w.contains("ext") && w.contains("loop") && w.contains("soft"));
            assertThat(c.tensor("grp/gzip_shuffle").orElseThrow().info()).containsEntry("hdf5_layout", "chunked")
                    .containsEntry("hdf5_filters", "shuffle, deflate");
        }
    }

    @Test
    void keras3ArchiveIsSummarisedAndItsStoredWeightsReadInPlace() throws IOException {
        try (Checkpoint c = open("keras3_stored.keras")) {
            assertThat(c.format()).isEqualTo("keras3");
            assertThat(c.weightsEntry()).isEqualTo("model");
            assertThat(c.metadata()).containsEntry("keras_version", "3.3.3").containsEntry("model_class", "Sequential")
                    .containsEntry("model_layers", "3").containsEntry("optimizer", "Adam")
                    .containsEntry("weights_file", "model.weights.h5 (stored, read in place)");
            TensorEntry t = c.tensor("model.layers/dense/vars/0").orElseThrow();
            assertThat(t.info()).containsEntry("keras_object", "dense");
            // a view of the .keras file itself, not a copy
            assertThat(t.data().storage().bytes().fileOffset()).isPresent();
            assertThat(c.weights()).extracting(TensorEntry::key).contains("layers/norm/vars/0").doesNotContain("vars/0");
            assertThat(c.tensor("optimizer.vars/11")).isPresent();
        }
        try (Checkpoint c = open("keras3_deflated.keras")) {
            assertThat(c.metadata()).containsEntry("weights_file", "model.weights.h5 (compressed, inflated once)");
        }
    }

    /**
     * The corpus's Keras 3 subclassed model (four Dense layers, the first three without bias; its
     * config.json lists no layers): Keras names each layer's path by its class (dense, dense_1), so
     * the variables are named by how many each holds; keys stay as the file has them, and the keras
     * preset gives each its own torch name.
     */
    @Test
    void keras3VariablesAreNamedByTheirLayersClassAndTheKerasPresetKeepsThemApart() throws Exception {
        Path f = TestFiles.crossframework().resolve("keras3/keras_pre_pr22362_nested_container.keras");
        try (Checkpoint c = Formats.standard().open(f)) {
            assertThat(c.weights()).extracting(TensorEntry::key).containsExactly("layers/dense/vars/0", "layers/dense_1/vars/0",
                    "layers/dense_2/vars/0", "layers/dense_3/vars/0", "layers/dense_3/vars/1");
            assertThat(c.tensor("model.layers/dense/vars/0").orElseThrow().info()).containsEntry("keras_name", "layers/dense/kernel")
                    .containsEntry("keras_object", "d_0");
            assertThat(c.tensor("model.layers/dense_3/vars/1").orElseThrow().info()).containsEntry("keras_name", "layers/dense_3/bias");
            List<io.weightbench.model.TensorSpec> specs = c.weights().stream()
                    .map(t -> io.weightbench.model.TensorSpec.of(t.key(), t.data().shape(), t.data().dtype())).toList();
            io.weightbench.rules.RuleSet.Applied a = io.weightbench.rules.Presets.load("keras").resolve(c.metadata()).apply(specs);
            assertThat(a.tensors()).extracting(io.weightbench.model.TensorSpec::key)
                    .containsExactly("dense.weight", "dense_1.weight", "dense_2.weight", "dense_3.weight", "dense_3.bias");
            assertThat(a.tensors().get(3).shape()).containsExactly(2L, 4L);
        }
    }

    @Test
    void hostileFilesAreRefusedInOneLine() {
        assertRefused("hostile_address_past_end.h5", "runs past the end of the file");
        assertRefused("hostile_huge_dims.h5", "HDF5 dataset 'weights' has an impossibly large shape [1099511627776, 3]");
        assertRefused("hostile_truncated.h5", "truncated");
        assertRefused("hostile_object_npz.keras", "Python objects");
    }

    /**
     * Keras 3 bfloat16 as h5py writes it, an opaque type without a tag, which jhdf cannot parse:
     * Hdf5Metadata lists it (jhdf's refusal remains for files left to it). The hash is h5py's, of
     * the bytes it reads ({@code hashlib.sha256(ds[()].tobytes())}).
     */
    @Test
    void keras3Bfloat16AsH5pyWritesItIsListed() throws IOException {
        try (Checkpoint c = open("hostile_keras3_bfloat16_untagged.weights.h5")) {
            TensorEntry t = c.tensor("model.layers/norm/vars/0").orElseThrow();
            assertThat(t.data().dtype()).hasToString("bfloat16");
            assertThat(t.data().shape()).containsExactly(6);
            assertThat(CanonicalBytes.sha256(t.data())).isEqualTo("cb592dd11fea022a924bd31889a89923ce35d506ab5e39677f59638a7278a913");
        }
        System.setProperty(io.weightbench.format.hdf5.Hdf5File.JHDF_ONLY, "1");
        try {
            assertRefused("hostile_keras3_bfloat16_untagged.weights.h5", "opaque datatype without a tag");
        } finally {
            System.clearProperty(io.weightbench.format.hdf5.Hdf5File.JHDF_ONLY);
        }
    }

    /**
     * Found by fuzzing (79 bytes): an object header claiming 56 MB at the file's last byte. jhdf's
     * own file storage allocates the 56 MB, then re-reads that one byte at the same offset until the
     * buffer is full (56 million reads); the bounded storage refuses it before allocating.
     */
    @Test
    void aStructureRunningPastTheEndIsRefusedBeforeAnythingIsAllocated() {
        assertRefused("hostile_structure_past_end.h5", "has a structure of 56194168 bytes at offset 78 that runs past the end of the file");
    }

    @Test
    void declaredGigabytesOfFillValueAreListedButNotGenerated() throws IOException {
        try (Checkpoint c = open("hostile_fill_bomb.h5")) {
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("never_written", "no_chunks");
            for (TensorEntry t : c.tensors()) {
                assertThatThrownBy(() -> CanonicalBytes.sha256(t.data())).isInstanceOf(IOException.class)
                        .hasMessageContaining("may decode to in all");
            }
        }
    }

    @Test
    void duplicateZipEntriesAreRefusedWithoutRunningAnything() {
        Path evil = TestFiles.crossframework().resolve("security/MALICIOUS_evil_keras_npz_pickle_os_system.keras");
        assertThatThrownBy(() -> Formats.standard().open(evil).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(evil + ": ")
                .hasMessageContaining("two entries named 'model.weights.npz'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private static void assertRefused(String fixture, String problem) {
        Path file = FIXTURES.resolve(fixture);
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
