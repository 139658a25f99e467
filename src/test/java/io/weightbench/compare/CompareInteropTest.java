package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * compare against real torch: torchvision models (from the catalog) and checkpoints with injected
 * faults, where torch's own {@code load_state_dict(strict=False)} report is the expected answer.
 * Skipped without Debian's python3-torch; CI installs it.
 */
class CompareInteropTest {

    @TestFactory
    Stream<DynamicTest> compareEqualsTorchsLoadReport() throws Exception {
        return TestFiles.visibly("compareEqualsTorchsLoadReport", () -> {
            Path dir = Files.createTempDirectory("weightbench-compare");
            dir.toFile().deleteOnExit();
            dir.resolve("expected.json").toFile().deleteOnExit();
            TestFiles.runTorchScript("scripts/make_compare_cases.py", dir.toString());
            JsonNode cases = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
            assertThat(cases.size()).isGreaterThanOrEqualTo(23);
            List<DynamicTest> tests = new ArrayList<>();
            cases.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                JsonNode want = e.getValue();
                String source = want.get("model").asText();
                ModelSpec model = ModelSpec.load(source.startsWith(ModelSpec.CATALOG_PREFIX) ? source : dir.resolve(source).toString());
                Path file = dir.resolve(e.getKey());
                try (Checkpoint c = Formats.standard().open(file)) {
                    Comparison cmp = Comparator.compare(model.tensors(), ModelSpec.fromCheckpoint(c).tensors(), TorchMetadata.moduleVersions(c));
                    assertThat(cmp.missing()).as("missing").containsExactlyInAnyOrderElementsOf(strings(want.get("missing")));
                    assertThat(cmp.unexpected()).as("unexpected").containsExactlyInAnyOrderElementsOf(strings(want.get("unexpected")));
                    assertThat(cmp.mismatched()).extracting(Comparison.Mismatch::key).as("mismatched")
                            .containsExactlyInAnyOrderElementsOf(strings(want.get("mismatched")));
                    assertThat(cmp.ignoredByTorch()).as("ignored by torch").containsExactlyInAnyOrderElementsOf(strings(want.get("ignored")));
                    assertThat(cmp.loadsStrictly()).as("loads strictly")
                            .isEqualTo(want.get("missing").isEmpty() && want.get("unexpected").isEmpty() && want.get("mismatched").isEmpty());
                } finally {
                    Files.deleteIfExists(file);
                }
            })));
            return tests.stream();
        });
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asText()));
        return out;
    }
}
