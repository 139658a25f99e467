package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.export.Exporter;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The version-2 ops' data effects against real torch (scripts/rule_ops_reference.py: permute,
 * reshape, squeeze, unsqueeze, flip, chunk, split, unbind, cat, stack, gate reorders, replace_nonfinite's
 * torch.where / full_like; the
 * gguf-llama preset against llama.cpp's rotary permutation), bit for bit
 * by sha256, through the export's own path (Exporter.withRules), then written and read back.
 */
class RuleOpsInteropTest {

    @Test
    void everyOpGivesTorchsTensorsBitForBit(@TempDir Path dir) throws Exception {
        TestFiles.runTorchScript("scripts/rule_ops_reference.py", dir.toString());
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        assertThat(cases).hasSize(6);
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            RuleSet rules = c.has("preset") ? Presets.load(c.get("preset").asText()) : RuleSet.fromJson(c.get("rules"));
            if (c.has("metadata")) {
                Map<String, String> meta = new LinkedHashMap<>();
                c.get("metadata").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                rules = rules.resolve(meta);
            }
            try (Checkpoint in = Formats.standard().open(dir.resolve(name + "_in.pth"));
                 Checkpoint want = Formats.standard().open(dir.resolve(name + "_want.pth"))) {
                Map<String, TensorEntry> got = Exporter.withRules(in.weights(), rules);
                assertThat(got.keySet()).as(name).containsExactlyInAnyOrderElementsOf(keys(want));
                for (TensorEntry w : want.weights()) {
                    TensorEntry g = got.get(w.key());
                    assertThat(g.data().shape()).as(name + " " + w.key()).containsExactly(w.data().shape());
                    assertThat(g.data().dtype()).as(name + " " + w.key()).isEqualTo(w.data().dtype());
                    assertThat(CanonicalBytes.sha256(g.data())).as(name + " " + w.key()).isEqualTo(CanonicalBytes.sha256(w.data()));
                }
                // and through a whole export, read back
                Path out = dir.resolve(name + "_out.safetensors");
                Exporter.export(in, rules, out);
                try (Checkpoint back = Formats.standard().open(out)) {
                    Map<String, String> a = hashes(back);
                    assertThat(a).as(name + " exported").isEqualTo(hashes(want));
                }
            }
        }
    }

    private static java.util.List<String> keys(Checkpoint c) {
        return c.weights().stream().map(TensorEntry::key).toList();
    }

    private static Map<String, String> hashes(Checkpoint c) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (TensorEntry t : c.weights()) out.put(t.key(), CanonicalBytes.sha256(t.data()));
        return new java.util.TreeMap<>(out);
    }
}
