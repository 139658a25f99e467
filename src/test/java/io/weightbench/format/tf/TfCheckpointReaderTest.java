package io.weightbench.format.tf;

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
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow checkpoints read as the independent Python reader ({@code scripts/tf_checkpoint_reference.py},
 * written from the format's description) reads them: every real checkpoint of the shared corpus
 * and every fixture of {@code scripts/make_tf_fixtures.py}, tensor by tensor (key, dtype, shape,
 * SHA-256 of the canonical bytes, CRC-32C, object paths). Then the ways a checkpoint is named, and
 * the broken and hostile ones, each refused in one sentence naming the file.
 */
class TfCheckpointReaderTest {

    private static final String REFERENCE = "reference.json";
    /** Tensors the reference assembles but this reader refuses: a grid of blocks, tiled along two dimensions. */
    private static final Set<String> REFUSED = Set.of("grid");

    @TempDir
    Path dir;

    private static Path fixtures() {
        return TestFiles.fixtures().resolve("tf");
    }

    private static JsonNode reference() throws IOException {
        return new ObjectMapper().readTree(fixtures().resolve(REFERENCE).toFile());
    }

    /** Where a label of reference.json lives: a fixture, or a file of the shared corpus (skipped when absent). */
    private static Path file(String label) {
        if (label.startsWith("fixtures/")) return TestFiles.fixtures().resolve(label.substring("fixtures/".length()));
        return TestFiles.crossframework().resolve(label.substring("crossframework/".length()));
    }

    @TestFactory
    Stream<DynamicTest> everyCheckpointReadsAsTheIndependentReaderReadsIt() throws Exception {
        return TestFiles.visibly("everyCheckpointReadsAsTheIndependentReaderReadsIt", () -> {
            JsonNode ref = reference();
            List<DynamicTest> tests = new ArrayList<>();
            ref.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> compare(file(e.getKey()), e.getValue()))));
            assertThat(tests).hasSizeGreaterThanOrEqualTo(13);
            return tests.stream();
        });
    }

    private static void compare(Path index, JsonNode want) throws IOException {
        try (Checkpoint c = Formats.standard().open(index)) {
            assertThat(c.format()).isEqualTo("tf-checkpoint");
            assertThat(c.metadata()).containsEntry("num_shards", want.get("header").get("num_shards").asText())
                    .containsEntry("endianness", want.get("header").get("endianness").asInt() == 1 ? "big" : "little");
            Map<String, JsonNode> expected = new LinkedHashMap<>();
            for (JsonNode t : want.get("tensors")) {
                if (!REFUSED.contains(t.get("key").asText())) expected.put(t.get("key").asText(), t);
            }
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactlyElementsOf(expected.keySet());
            for (TensorEntry t : c.tensors()) {
                JsonNode w = expected.get(t.key());
                assertThat(w.get("crc_ok").asBoolean()).as(t.key() + ": CRC in the reference").isTrue();
                assertThat(t.data().dtype().torchName()).as(t.key()).isEqualTo(w.get("dtype").asText());
                List<Long> shape = new ArrayList<>();
                w.get("shape").forEach(s -> shape.add(s.asLong()));
                assertThat(Arrays.stream(t.data().shape()).boxed().toList()).as(t.key()).isEqualTo(shape);
                assertThat(CanonicalBytes.sha256(t.data())).as(t.key()).isEqualTo(w.get("sha256").asText());
                if (w.has("crc32c")) assertThat(t.info()).as(t.key()).containsEntry("crc32c", w.get("crc32c").asText());
                for (String fact : List.of("object_path", "full_name", "optimizer_slot", "slot_of")) {
                    if (w.has(fact)) assertThat(t.info()).as(t.key()).containsEntry(fact, w.get(fact).asText());
                }
            }
            if (want.has("object_graph_nodes")) {
                assertThat(c.metadata()).containsEntry("object_graph_nodes", want.get("object_graph_nodes").asText());
            }
            for (JsonNode s : want.get("strings")) {
                if (!s.get("key").asText().equals(BundleOpener.OBJECT_GRAPH)) {
                    assertThat(c.metadata().get("string_tensors")).contains(s.get("key").asText());
                }
            }
            for (JsonNode skipped : want.get("skipped")) {
                assertThat(c.warnings()).anyMatch(w -> w.contains("'" + skipped.asText() + "'") || w.contains(skipped.asText() + " ("));
            }
        }
    }

    /** The committed reference is what the script reads today (skipped without Debian's numpy and python3-snappy). */
    @Test
    void committedReferenceIsWhatTheIndependentReaderReads() throws Exception {
        JsonNode committed = reference();
        List<String> args = new ArrayList<>(List.of("--out", dir.resolve("fresh.json").toString()));
        committed.fieldNames().forEachRemaining(label -> {
            Path p = label.startsWith("fixtures/") ? file(label) : TestFiles.crossframework().resolve(label.substring("crossframework/".length()));
            args.add(label + "=" + p);
        });
        TestFiles.runPythonScript("numpy,snappy", "scripts/tf_checkpoint_reference.py", args.toArray(new String[0]));
        assertThat(new ObjectMapper().readTree(dir.resolve("fresh.json").toFile())).isEqualTo(committed);
    }

    @Test
    void thePrefixTensorFlowIsGivenOpensTheIndex() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("tf1_slots/tf1.ckpt"))) {
            assertThat(c.file().getFileName().toString()).isEqualTo("tf1.ckpt.index");
            assertThat(c.tensors()).hasSize(6);
            assertThat(c.metadata()).containsEntry("saved_model", "false");
            assertThat(c.inputs()).extracting(p -> p.getFileName().toString())
                    .containsExactly("tf1.ckpt.index", "tf1.ckpt.data-00000-of-00001");
        }
    }

    @Test
    void aSavedModelFolderOpensItsVariables() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("saved_model"))) {
            assertThat(c.metadata()).containsEntry("saved_model", "true").containsEntry("object_graph_nodes", "13");
            assertThat(c.tensors()).hasSize(8);
            assertThat(c.inputs()).extracting(p -> p.getFileName().toString())
                    .containsExactly("variables.index", "variables.data-00000-of-00001");
        }
    }

    @Test
    void aStateFileOrItsFolderOpensTheLatestCheckpoint() throws IOException {
        for (Path p : List.of(fixtures().resolve("tf2/checkpoint"), fixtures().resolve("tf2"))) {
            try (Checkpoint c = Formats.standard().open(p)) {
                assertThat(c.metadata()).containsEntry("checkpoint_state", "ckpt-1");
                assertThat(c.tensors()).hasSize(8);
            }
        }
    }

    @Test
    void aStateFileWithAnAbsolutePathIsReadBesideIt() throws IOException {
        copy("tf2", dir);
        Files.writeString(dir.resolve("checkpoint"), "model_checkpoint_path: \"/home/someone/train/ckpt-1\"\n");
        try (Checkpoint c = Formats.standard().open(dir.resolve("checkpoint"))) {
            assertThat(c.tensors()).hasSize(8);
            assertThat(c.warnings()).anyMatch(w -> w.contains("/home/someone/train/ckpt-1") && w.contains("ckpt-1 beside it"));
        }
    }

    @Test
    void aStateFileIsReadWithItsEscapesAndAHugeOneIsRefusedQuietly() throws IOException {
        copy("tf2", dir);
        Files.writeString(dir.resolve("checkpoint"), "model_checkpoint_path: \"ck\\160t-\\x31\"\n");
        try (Checkpoint c = Formats.standard().open(dir.resolve("checkpoint"))) {
            assertThat(c.metadata()).containsEntry("checkpoint_state", "ckpt-1");
        }
        Files.writeString(dir.resolve("checkpoint"), "model_checkpoint_path: \"" + "\\\"x".repeat(200_000) + "\"\n");
        assertRefused(dir.resolve("checkpoint"), "refers to");
    }

    @Test
    void tf2VariablesShowTheirObjectPathAndSlots() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("tf2/ckpt-1.index"))) {
            Map<String, String> kernel = c.tensor("model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE").orElseThrow().info();
            assertThat(kernel).containsEntry("object_path", "model/layer_with_weights-0/kernel").containsEntry("full_name", "dense/kernel");
            Map<String, String> m = c.tensor("model/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE")
                    .orElseThrow().info();
            assertThat(m).containsEntry("optimizer_slot", "m").containsEntry("slot_of", "model/layer_with_weights-0/kernel");
            // an escaped local name ("odd.name/x" is stored as odd..name.Sx) reads back as it was named
            assertThat(c.tensor("model/odd..name.Sx/.ATTRIBUTES/VARIABLE_VALUE").orElseThrow().info())
                    .containsEntry("object_path", "model/odd.name/x");
            assertThat(c.metadata()).doesNotContainKey("string_tensors");
        }
    }

    @Test
    void tf1OptimizerSlotsAreMarked() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("tf1_slots/tf1.ckpt.index"))) {
            assertThat(c.tensor("conv/kernel/Adam_1").orElseThrow().info()).containsEntry("optimizer_slot", "Adam_1")
                    .containsEntry("slot_of", "conv/kernel");
            assertThat(c.tensor("conv/kernel/Momentum").orElseThrow().info()).containsEntry("optimizer_slot", "Momentum");
            assertThat(c.tensor("conv/kernel").orElseThrow().info()).doesNotContainKey("optimizer_slot");
            assertThat(c.tensor("global_step").orElseThrow().info()).doesNotContainKey("optimizer_slot");
        }
    }

    @Test
    void stringsAndHandlesAreNotTensors() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("many_dtypes/model.ckpt.index"))) {
            assertThat(c.metadata().get("string_tensors")).contains("a_string_scalar = \"hello\"")
                    .contains("vocabulary (string tensor [3], 18 bytes)");
            assertThat(c.warnings()).containsExactly("2 entries are not tensors Weightbench reads and not listed: "
                    + "a_float8_fnuz (DT_FLOAT8_E4M3FNUZ), a_resource (DT_RESOURCE)");
            assertThat(c.tensor("model/encoder/a_rather_long_shared_prefix_for_every_key/qint16").orElseThrow().info())
                    .containsEntry("tf_dtype", "DT_QINT16");
        }
    }

    @Test
    void partitionedVariablesAreAssembledOrRefusedWithTheReason() throws IOException {
        try (Checkpoint c = Formats.standard().open(fixtures().resolve("partitioned/part.ckpt.index"))) {
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("by_columns", "dense/kernel", "embedding", "lead_one", "plain");
            assertThat(c.tensor("embedding").orElseThrow().info()).containsEntry("partitioned", "3 slices");
            assertThat(c.warnings()).containsExactlyInAnyOrder(
                    "'grid' is partitioned along dimensions 0 and 1 at once; only slices along one dimension are assembled (not listed)",
                    "'holey' is partitioned along dimension 0 with a gap at 2; its slices do not tile it (not listed)");
        }
    }

    @Test
    void listingReadsNoDataAndABadChecksumIsCaughtAtTheFirstRead() throws IOException {
        Path index = fixtures().resolve("hostile/bad_tensor_crc.index");
        try (Checkpoint c = Formats.standard().open(index)) {
            TensorEntry a = c.tensor("a").orElseThrow();
            assertThatThrownBy(() -> CanonicalBytes.sha256(a.data()))
                    .hasMessageContaining("tensor 'a' fails its checksum");
            // a partial read is checked as well, and the failure is remembered
            assertThatThrownBy(() -> new io.weightbench.tensor.ElementReader(a.data()).read(1, new double[2], 2))
                    .hasMessageContaining("tensor 'a' fails its checksum");
            assertThat(CanonicalBytes.sha256(c.tensor("b").orElseThrow().data())).hasSize(64);
        }
    }

    @Test
    void aFourGigabyteTensorListsWithoutReadingIt() throws IOException {
        Files.copy(fixtures().resolve("large/big.ckpt.index"), dir.resolve("big.ckpt.index"));
        sparse(dir.resolve("big.ckpt.data-00000-of-00002"), 4L << 30);
        sparse(dir.resolve("big.ckpt.data-00001-of-00002"), 6L << 30);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            try (Checkpoint c = Formats.standard().open(dir.resolve("big.ckpt"))) {
                assertThat(c.tensors()).extracting(t -> t.data().nbytes()).containsExactly(4L << 30, 6L << 30);
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertThat(best / 1_000_000).as("best of 5 listings, ms").isLessThan(100);
    }

    private static void sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    // ---------------------------------------------------------------- refusals

    private static void assertRefused(Path file, String problem) {
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void brokenAndHostileIndexesAreRefusedInOneSentence() {
        Path h = fixtures().resolve("hostile");
        assertRefused(h.resolve("handle_past_end.index"), "the index block of 100 bytes at offset 1460 lies outside the table (146 bytes)");
        assertRefused(h.resolve("bad_block_crc.index"), "data block 0 (at offset 0) fails its checksum");
        assertRefused(h.resolve("bad_snappy.index"), "is not valid Snappy data");
        assertRefused(h.resolve("huge_shape.index"), "tensor 'big' has an impossibly large shape [4611686018427387904, 4611686018427387904]");
        assertRefused(h.resolve("offset_past_shard.index"), "tensor 'w' lies at bytes 1000 to 1016 of offset_past_shard.data-00000-of-00001, which holds 64");
        assertRefused(h.resolve("missing_shard.index"), "missing_shard.data-00001-of-00002");
        assertRefused(h.resolve("size_mismatch.index"), "tensor 'w' is stored in 12 bytes but float32[4] needs 16");
        assertRefused(h.resolve("unsorted.index"), "keys out of order");
    }

    @Test
    void truncatedIndexesAreRefused() throws IOException {
        byte[] full = Files.readAllBytes(fixtures().resolve("many_dtypes/model.ckpt.index"));
        for (int cut : new int[] {10, 47, full.length / 2, full.length - 1}) {
            Path p = dir.resolve("cut" + cut + ".index");
            Files.write(p, Arrays.copyOf(full, cut));
            assertThatThrownBy(() -> Formats.standard().open(p).close()).isInstanceOf(CheckpointException.class)
                    .hasMessageStartingWith(p + ": ");
        }
    }

    @Test
    void aShardThatLinksOutOfTheFolderIsNotRead() throws IOException {
        Path inside = Files.createDirectory(dir.resolve("ckpt"));
        Path outside = Files.createDirectory(dir.resolve("elsewhere"));
        Files.copy(fixtures().resolve("tf1_slots/tf1.ckpt.index"), inside.resolve("tf1.ckpt.index"));
        Files.copy(fixtures().resolve("tf1_slots/tf1.ckpt.data-00000-of-00001"), outside.resolve("data"));
        Files.createSymbolicLink(inside.resolve("tf1.ckpt.data-00000-of-00001"), outside.resolve("data"));
        assertRefused(inside.resolve("tf1.ckpt.index"), "a link to a file outside its folder");
    }

    @Test
    void aNewerBundleVersionIsRefused() throws IOException {
        byte[] header = io.weightbench.format.tf.proto.BundleHeaderProto.newBuilder().setNumShards(1)
                .setVersion(io.weightbench.format.tf.proto.VersionDef.newBuilder().setProducer(3).setMinConsumer(2)).build().toByteArray();
        Path p = dir.resolve("new.index");
        Files.write(p, TableWriter.table(List.of(new LevelDbTable.Entry(new byte[0], header))));
        assertRefused(p, "newer than the one Weightbench reads");
    }

    @Test
    void otherLevelDbTablesAreNotCheckpoints() throws IOException {
        Path p = dir.resolve("other.ldb");
        Files.write(p, TableWriter.table(List.of(new LevelDbTable.Entry("key".getBytes(), "value".getBytes()))));
        assertRefused(p, "not a checkpoint format Weightbench reads");
    }

    private static void copy(String fixture, Path to) throws IOException {
        try (Stream<Path> s = Files.list(fixtures().resolve(fixture))) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(p.getFileName()));
        }
    }

    static Set<String> keys(Checkpoint c) {
        Set<String> out = new HashSet<>();
        for (TensorEntry t : c.tensors()) out.add(t.key());
        return out;
    }
}
