package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file of {@code ../shared/crossframework} that a user would open (not the data shards and
 * configs beside them) opens with the format its MANIFEST names, lists tensors and hashes every
 * one of them; the folders (SavedModels, TF.js models) open as sources too; the hostile
 * {@code .keras} is refused in one line without anything being unpickled. The readers' own tests
 * check each file against an independent reader.
 */
class CrossFrameworkCorpusTest {

    /** MANIFEST's format column (its first word) -> the format Weightbench names; null: not a file to open. */
    static final Map<String, String> FORMATS = Map.ofEntries(
            Map.entry("tf-checkpoint-v2", "tf-checkpoint"), Map.entry("tf-checkpoint-v2-tf1-saver", "tf-checkpoint"),
            Map.entry("tfjs-layers", "tfjs"), Map.entry("tfjs-graph", "tfjs"),
            Map.entry("keras-h5-weights", "keras-h5"), Map.entry("keras-h5", "keras-h5"),
            Map.entry("keras3-zip", "keras3"), Map.entry("onnx", "onnx"), Map.entry("onnx-external-data", "onnx"),
            Map.entry("gguf", "gguf"), Map.entry("gguf-v3", "gguf"), Map.entry("gguf-v3-le-custom-alignment", "gguf"),
            Map.entry("mxnet-ndarray-list-v2", "mxnet"), Map.entry("paddle-pdparams", "paddle"));

    @TestFactory
    Stream<DynamicTest> everyFileAUserWouldOpenOpens() throws Exception {
        return TestFiles.visibly("everyFileAUserWouldOpenOpens", () -> {
            Path root = TestFiles.crossframework();
            List<DynamicTest> tests = new ArrayList<>();
            for (String line : Files.readAllLines(root.resolve("MANIFEST.tsv")).subList(1, Files.readAllLines(root.resolve("MANIFEST.tsv")).size())) {
                String[] f = line.split("\t");
                String name = f[0];
                String kind = f[4].split(" ")[0];
                if (name.startsWith("security/") || isBesideTheModel(name)) continue;
                String format = FORMATS.get(kind);
                if (format == null) continue;
                tests.add(DynamicTest.dynamicTest(name, () -> opensAs(root.resolve(name), format)));
            }
            assertThat(tests).hasSizeGreaterThanOrEqualTo(35);
            return tests.stream();
        });
    }

    /** Data shards, weight blobs, protobuf graphs and JSON configs: read with the file that names them. */
    private static boolean isBesideTheModel(String name) {
        return name.contains(".data-") || name.endsWith(".bin") || name.endsWith(".pb") || name.endsWith(".onnx.data")
                || (name.endsWith(".json") && !name.endsWith("model.json"));
    }

    @TestFactory
    Stream<DynamicTest> foldersOpenAsSources() throws Exception {
        return TestFiles.visibly("foldersOpenAsSources", () -> {
            Path root = TestFiles.crossframework();
            List<DynamicTest> tests = new ArrayList<>();
            for (String group : List.of("tf_ckpt", "tfjs")) {
                try (Stream<Path> dirs = Files.list(root.resolve(group))) {
                    for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                        tests.add(DynamicTest.dynamicTest(group + "/" + d.getFileName(), () -> opensAs(d, group.equals("tfjs") ? "tfjs" : "tf-checkpoint")));
                    }
                }
            }
            assertThat(tests).hasSize(9);
            return tests.stream();
        });
    }

    @Test
    void theHostileKerasArchiveIsRefusedWithoutUnpickling() {
        Path evil = TestFiles.crossframework().resolve("security/MALICIOUS_evil_keras_npz_pickle_os_system.keras");
        assertThatThrownBy(() -> Formats.standard().open(evil).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(evil.toString())
                .hasMessageContaining("two entries named 'model.weights.npz'")
                .hasMessageNotContaining("\n");
    }

    private static void opensAs(Path path, String format) throws IOException {
        try (Checkpoint c = Formats.standard().open(path)) {
            assertThat(c.format()).as("format of %s", path).isEqualTo(format);
            assertThat(c.inputs()).allMatch(Files::isRegularFile);
            for (TensorEntry t : c.tensors()) assertThat(CanonicalBytes.sha256(t.data())).hasSize(64);
        }
    }
}
