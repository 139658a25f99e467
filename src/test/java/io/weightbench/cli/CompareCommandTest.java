package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare} on the bundled samples: the classic faults, rules, --strict and the JSON contract. */
class CompareCommandTest {

    static final String TEMPLATE = "samples/tinynet_template.pt";

    @Test
    void dataParallelPrefixShowsAsGroupedMissingAndUnexpected() {
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint", "samples/tinynet_dataparallel.pth");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("missing (in the model, not in the checkpoint): 14").contains("module.* (16 keys)")
                .contains("verdict: does not load with strict=True");
    }

    @Test
    void stripRuleFixesItAndStrictPasses(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"}]}");
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint", "samples/tinynet_dataparallel.pth",
                "--rules", rules.toString(), "--strict", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("matched").asInt()).isEqualTo(16);
        assertThat(j.get("missing")).isEmpty();
        assertThat(j.get("unexpected")).isEmpty();
        assertThat(j.get("rules").get(0).get("changed").asInt()).isEqualTo(16);
        assertThat(j.get("loads_strictly").asBoolean()).isTrue();
    }

    @Test
    void lightningNestingAndModelPrefix(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"model.\"}]}");
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint", "samples/tinynet_lightning.ckpt",
                "--rules", rules.toString(), "--json", "--strict");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("weights_entry").asText()).isEqualTo("state_dict");
        assertThat(r.code()).isZero();
    }

    @Test
    void sizeMismatchAndDtypeChangeAreReportedAndStrictFails() throws Exception {
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint",
                "samples/tinynet_5class_fp16.safetensors", "--json", "--strict");
        assertThat(r.code()).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("mismatched").toString()).contains("{\"key\":\"head.weight\",\"model_shape\":[10,32],\"checkpoint_shape\":[5,32]}");
        assertThat(j.get("dtype_changed").get(0).toString()).contains("\"model_dtype\":\"float32\",\"checkpoint_dtype\":\"float16\"");
    }

    @Test
    void catalogModelsAndShapeSpecsAreModels(@TempDir Path dir) throws Exception {
        InspectCommandTest.Result list = InspectCommandTest.run("catalog", "list");
        assertThat(list.out()).contains("catalog:torchvision/resnet50").contains("catalog:torchvision/vit_b_16")
                .contains("catalog:timm/convnext_tiny").contains("catalog:timm/vit_base_patch16_224");
        assertThat(list.out().lines().count()).isGreaterThanOrEqualTo(1400);
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, "{\"head.weight\": {\"shape\": [10, 32], \"dtype\": \"float32\"}, \"head.bias\": {\"shape\": [10]}}");
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", spec.toString(), "--checkpoint", TEMPLATE, "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("matched").asInt()).isEqualTo(2);
        assertThat(j.get("unexpected").size()).isEqualTo(14);
        InspectCommandTest.Result unknown = InspectCommandTest.run("compare", "--model", "catalog:resnet9000", "--checkpoint", TEMPLATE);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("catalog:resnet9000: is not in the catalog (did you mean: timm/resnet");
    }

    @Test
    void badRulesFileExitsTwo(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"nope\"}]}");
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint", TEMPLATE, "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("weightbench: " + rules).contains("unknown op 'nope'");
    }

    @Test
    void dtypeChangesAreGroupedByModule() {
        InspectCommandTest.Result r = InspectCommandTest.run("compare", "--model", TEMPLATE, "--checkpoint", "samples/tinynet_5class_fp16.safetensors");
        assertThat(r.out()).contains("dtype changed (torch casts on load): 12")
                .contains("  stem.* (6 keys): model float32, checkpoint float16")
                .contains("  layer1.* (6 keys): model float32, checkpoint float16");
    }
}
