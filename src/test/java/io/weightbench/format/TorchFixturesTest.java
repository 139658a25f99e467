package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.ObjectEntry;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.NoData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fixtures written by real torch 1.13 ({@code scripts/make_fixtures.py}) read back with the
 * keys, dtypes, shapes and canonical SHA-256 that torch computed from the tensors it saved.
 */
class TorchFixturesTest {

    record Row(String key, String dtype, List<Long> shape, String sha256) {}

    @TestFactory
    Stream<DynamicTest> everyFixtureReadsBackBitExactly() throws IOException {
        return testsFor(TestFiles.fixtures());
    }

    /**
     * The same with files torch writes now, with new random values (skipped without Debian's
     * python3-torch; CI installs it).
     */
    @TestFactory
    Stream<DynamicTest> freshFilesFromTorchReadBackBitExactly() throws Exception {
        return TestFiles.visibly("freshFilesFromTorchReadBackBitExactly", () -> {
            Path dir = Files.createTempDirectory("weightbench-fresh-fixtures");
            TestFiles.runTorchScript("scripts/make_fixtures.py", dir.toString());
            return testsFor(dir);
        });
    }

    private Stream<DynamicTest> testsFor(Path dir) throws IOException {
        JsonNode files = new ObjectMapper().readTree(dir.resolve("expected.json").toFile()).get("files");
        assertThat(files.size()).isGreaterThanOrEqualTo(30);
        List<DynamicTest> tests = new ArrayList<>();
        files.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(dir.resolve(e.getKey()), e.getValue()))));
        return tests.stream();
    }

    private void check(Path file, JsonNode expected) throws IOException {
        List<Row> want = new ArrayList<>();
        for (JsonNode t : expected.get("tensors")) {
            List<Long> shape = new ArrayList<>();
            t.get("shape").forEach(s -> shape.add(s.asLong()));
            want.add(new Row(t.get("key").asText(), t.get("dtype").asText(), shape, t.get("sha256").isNull() ? null : t.get("sha256").asText()));
        }
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo(expected.get("format").asText());
            assertThat(c.weightsEntry()).as("weights entry").isEqualTo(expected.get("weights_entry").asText());
            List<Row> got = new ArrayList<>();
            for (TensorEntry t : c.tensors()) {
                // a meta tensor has no data: its hash is null, and reading it says why
                got.add(new Row(t.key(), t.data().dtype().torchName(), Arrays.stream(t.data().shape()).boxed().toList(),
                        NoData.holds(t.data()) ? null : CanonicalBytes.sha256(t.data())));
            }
            assertThat(got).containsExactlyElementsOf(want);
            for (JsonNode o : expected.get("objects")) {
                assertThat(c.objects()).extracting(ObjectEntry::key, ObjectEntry::type)
                        .contains(org.assertj.core.groups.Tuple.tuple(o.get("key").asText(), o.get("type").asText()));
            }
            for (JsonNode w : expected.get("warnings_contain")) {
                assertThat(c.warnings()).anyMatch(s -> s.contains(w.asText()));
            }
        }
    }
}
