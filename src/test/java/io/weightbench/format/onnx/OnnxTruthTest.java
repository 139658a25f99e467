package io.weightbench.format.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ONNX file of the cross-framework corpus and every committed fixture reads as ONNX's own
 * parser reads it: the same initializers (main graph and subgraphs), dtypes, shapes and SHA-256 of
 * the values, and the initializers with no dtype here named in a warning. The truth is
 * {@code scripts/onnx_reference.py} (onnx.load + numpy_helper.to_array, Debian's python3-onnx):
 * its output is committed under {@code fixtures/onnx/expected/} and, where python3-onnx is
 * installed, produced again and compared as well. To refresh the committed output:
 * <pre>
 * F=src/test/resources/fixtures/onnx; C=../shared/crossframework
 * /usr/bin/python3 scripts/onnx_reference.py $F/expected/fixtures.json $F $F/*.onnx $F/external/model.onnx $F/hostile/external_ok.onnx
 * /usr/bin/python3 scripts/onnx_reference.py $F/expected/crossframework.json $C $(find $C/onnx -name '*.onnx' | sort)
 * </pre>
 */
class OnnxTruthTest {

    static final Path FIXTURES = TestFiles.fixtures().resolve("onnx");
    static final String SCRIPT = "scripts/onnx_reference.py";

    @Test
    void everyCorpusOnnxFileMatchesOnnxItself() throws Exception {
        Path corpus = TestFiles.crossframework();
        List<Path> files = corpusFiles(corpus);
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        JsonNode expected = read(FIXTURES.resolve("expected/crossframework.json"));
        assertThat(names(expected)).containsExactlyInAnyOrderElementsOf(relative(corpus, files));
        int hashes = compareAll(corpus, expected);
        System.out.println("ONNX corpus: " + files.size() + " files, " + hashes + " tensors matched onnx's (committed reference)");
    }

    @Test
    void everyFixtureMatchesOnnxItself() throws Exception {
        JsonNode expected = read(FIXTURES.resolve("expected/fixtures.json"));
        assertThat(names(expected)).contains("cnn_bn_linear_training.onnx", "typed_data.onnx", "wire_variants.onnx",
                "external/model.onnx", "hostile/external_ok.onnx");
        int hashes = compareAll(FIXTURES, expected);
        System.out.println("ONNX fixtures: " + hashes + " tensors matched onnx's (committed reference)");
    }

    /** The committed reference is what the script says today, for the corpus and the fixtures alike. */
    @Test
    void theReferenceScriptStillAgrees(@TempDir Path tmp) throws Exception {
        Path corpus = TestFiles.crossframework();
        List<Path> corpusFiles = corpusFiles(corpus);
        List<Path> fixtures = new ArrayList<>();
        for (String name : names(read(FIXTURES.resolve("expected/fixtures.json")))) fixtures.add(FIXTURES.resolve(name));

        Path fresh = tmp.resolve("corpus.json");
        TestFiles.runPythonScript("onnx,numpy", SCRIPT, args(fresh, corpus, corpusFiles));
        int a = compareAll(corpus, read(fresh));
        Path freshFixtures = tmp.resolve("fixtures.json");
        TestFiles.runPythonScript("onnx,numpy", SCRIPT, args(freshFixtures, FIXTURES, fixtures));
        int b = compareAll(FIXTURES, read(freshFixtures));
        assertThat(read(fresh)).isEqualTo(read(FIXTURES.resolve("expected/crossframework.json")));
        assertThat(read(freshFixtures)).isEqualTo(read(FIXTURES.resolve("expected/fixtures.json")));
        System.out.println("ONNX: " + (a + b) + " tensors matched onnx's, run now");
    }

    /** Opens each file named in {@code expected} and compares; returns the number of tensors compared. */
    static int compareAll(Path base, JsonNode expected) throws IOException {
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(e.getValue().has("error")).as(e.getKey() + ": onnx refused it: " + e.getValue().path("error").asText()).isFalse();
            n += compare(base.resolve(e.getKey()), e.getValue());
        }
        return n;
    }

    private static int compare(Path file, JsonNode expected) throws IOException {
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo("onnx");
            Map<String, TensorEntry> byKey = new LinkedHashMap<>();
            for (TensorEntry t : c.tensors()) byKey.put(t.key(), t);
            List<String> keys = new ArrayList<>();
            for (JsonNode t : expected.get("tensors")) keys.add(t.get("key").asText());
            assertThat(byKey.keySet()).as(file.toString()).containsExactlyInAnyOrderElementsOf(keys);
            for (JsonNode t : expected.get("tensors")) {
                TensorEntry mine = byKey.get(t.get("key").asText());
                String what = file.getFileName() + " " + mine.key();
                assertThat(mine.data().dtype().torchName()).as(what).isEqualTo(t.get("dtype").asText());
                List<Long> shape = new ArrayList<>();
                for (JsonNode d : t.get("shape")) shape.add(d.asLong());
                assertThat(mine.data().shape()).as(what).containsExactly(shape.stream().mapToLong(Long::longValue).toArray());
                assertThat(CanonicalBytes.sha256(mine.data())).as(what).isEqualTo(t.get("sha256").asText());
            }
            String warnings = String.join("\n", c.warnings());
            for (JsonNode name : expected.get("not_listed")) assertThat(warnings).contains("'" + name.asText() + "'");
            return keys.size();
        }
    }

    static List<Path> corpusFiles(Path corpus) throws IOException {
        try (Stream<Path> s = Files.walk(corpus.resolve("onnx"))) {
            return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
        }
    }

    private static List<String> relative(Path base, List<Path> files) {
        return files.stream().map(p -> base.relativize(p).toString()).toList();
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String[] args(Path out, Path base, List<Path> files) {
        List<String> a = new ArrayList<>(List.of(out.toString(), base.toString()));
        for (Path f : files) a.add(f.toString());
        return a.toArray(new String[0]);
    }

    static JsonNode read(Path p) throws IOException {
        return new ObjectMapper().readTree(p.toFile());
    }
}
