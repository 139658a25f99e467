package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code catalog list}, catalog sources with timm's options, and what is refused. */
class CatalogCommandTest {

    static InspectCommandTest.Result run(String... args) {
        return InspectCommandTest.run(args);
    }

    @Test
    void listJsonHasEveryTimmAndTorchvisionArchitecture() throws Exception {
        InspectCommandTest.Result r = run("catalog", "list", "--json");
        assertThat(r.code()).isZero();
        JsonNode models = new ObjectMapper().readTree(r.out()).get("models");
        assertThat(models.size()).isGreaterThan(1400);
        JsonNode rn = null;
        for (JsonNode m : models) if (m.get("name").asText().equals("timm/resnet50")) rn = m;
        assertThat(rn.toString()).isEqualTo("{\"name\":\"timm/resnet50\",\"family\":\"resnet\",\"tensors\":320,\"values\":25610152,"
                + "\"num_classes\":1000,\"input_size\":[3,224,224],\"options\":[\"num_classes\",\"in_chans\",\"features_only\"],\"pretrained\":"
                + rn.get("pretrained").asInt() + "}");
        assertThat(rn.get("pretrained").asInt()).isGreaterThan(10);
        InspectCommandTest.Result glob = run("catalog", "list", "convnext_t*");
        assertThat(glob.out()).contains("catalog:timm/convnext_tiny ").contains("catalog:torchvision/convnext_tiny ").doesNotContain("convnext_small");
    }

    @Test
    void pretrainedListsTagsWithTheirCfgAsTimmListPretrained() throws Exception {
        InspectCommandTest.Result r = run("catalog", "list", "--pretrained", "convnext_tiny", "--json");
        JsonNode tags = new ObjectMapper().readTree(r.out()).get("pretrained");
        JsonNode in22k = null;
        for (JsonNode t : tags) {
            assertThat(t.get("name").asText()).startsWith("convnext_tiny.");
            if (t.get("name").asText().equals("convnext_tiny.fb_in22k")) in22k = t;
        }
        assertThat(in22k.get("num_classes").asInt()).isEqualTo(21841);
        assertThat(in22k.get("hf_hub_id").asText()).isEqualTo("timm/convnext_tiny.fb_in22k");
        assertThat(in22k.get("license").asText()).isEqualTo("apache-2.0");
        assertThat(in22k.get("input_size").toString()).isEqualTo("[3,224,224]");
        assertThat(in22k.get("mean").toString()).isEqualTo("[0.485,0.456,0.406]");
        InspectCommandTest.Result glob = run("catalog", "list", "--pretrained", "convnext_tiny*");
        assertThat(glob.out()).contains("convnext_tiny_hnf.a2h_in1k");
    }

    @Test
    void optionsChangeTheStateDictAsTimmDoes() throws Exception {
        List<TensorSpec> ten = ModelSpec.load("catalog:timm/resnet50?num_classes=10&in_chans=1").tensors();
        assertThat(ten).contains(new TensorSpec("fc.weight", List.of(10L, 2048L), io.weightbench.tensor.DType.FLOAT32),
                new TensorSpec("conv1.weight", List.of(64L, 1L, 7L, 7L), io.weightbench.tensor.DType.FLOAT32));
        List<TensorSpec> headless = ModelSpec.load("catalog:timm/resnet50?num_classes=0").tensors();
        assertThat(headless).hasSize(318).noneMatch(t -> t.key().startsWith("fc."));
        List<TensorSpec> features = ModelSpec.load("catalog:timm/convnext_tiny?features_only=true").tensors();
        assertThat(features.stream().map(TensorSpec::key)).contains("stem_0.weight", "stages_0.blocks.0.gamma").doesNotContain("head.fc.weight");
        assertThat(ModelSpec.load("catalog:resnet50").source()).isEqualTo("catalog:torchvision/resnet50");
        assertThat(ModelSpec.load("catalog:resnet50d").source()).isEqualTo("catalog:timm/resnet50d");
    }

    @Test
    void unknownOrRefusedOptionsAreOneLineErrors() {
        for (String[] c : new String[][] {
                {"catalog:timm/resnet50?num_classes=ten", "num_classes must be a whole number"},
                {"catalog:timm/resnet50?depth=3", "unknown option 'depth'"},
                {"catalog:torchvision/resnet50?in_chans=1", "torchvision/resnet50 has no in_chans option"}}) {
            InspectCommandTest.Result r = run("compare", "--model", c[0], "--checkpoint", "samples/tinynet_template.pt");
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err().strip()).as(c[0]).startsWith("weightbench: " + c[0] + ": ").contains(c[1]).doesNotContain("\n");
        }
    }

    @Test
    void showListsEachKeyWithItsKindAndTheBuffersOutsideTheStateDict() throws Exception {
        InspectCommandTest.Result r = run("catalog", "show", "timm/tresnet_m?in_chans=1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("model").asText()).isEqualTo("catalog:timm/tresnet_m?in_chans=1");
        java.util.Map<String, String> kinds = new java.util.HashMap<>();
        for (JsonNode t : j.get("tensors")) kinds.put(t.get("key").asText(), t.get("kind").asText() + " " + t.get("shape") + " " + t.get("dtype").asText());
        assertThat(kinds).containsEntry("head.fc.weight", "parameter [1000,2048] float32")
                .containsEntry("body.layer1.0.conv1.bn.num_batches_tracked", "buffer [] int64");
        assertThat(j.get("non_persistent_buffers").toString()).contains("body.layer2.0.conv1.aa.filt");
        assertThat(run("catalog", "show", "timm/nope").code()).isEqualTo(2);
    }
}
