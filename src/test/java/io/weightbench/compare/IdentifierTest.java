package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentifierTest {

    /** The candidate's model and the architectures with the same state_dict. */
    static List<String> names(Identifier.Candidate c) {
        List<String> out = new ArrayList<>(c.same());
        out.add(0, c.model());
        return out;
    }

    static Identifier.Candidate top(List<TensorSpec> checkpoint) throws Exception {
        return Identifier.rank(checkpoint).get(0);
    }

    @Test
    void aWrappedCheckpointIsIdentifiedAsItsArchitecture() throws Exception {
        for (String name : List.of("timm/resnet50", "torchvision/mobilenet_v3_small", "timm/vit_small_patch16_224", "timm/convnext_tiny",
                "torchvision/vit_b_16", "timm/efficientnet_b0", "timm/regnety_040", "timm/swin_tiny_patch4_window7_224")) {
            List<TensorSpec> ckpt = SuggesterTest.prefixed(ModelSpec.load("catalog:" + name).tensors(), "module.");
            List<Identifier.Candidate> ranked = Identifier.rank(ckpt);
            assertThat(names(ranked.get(0))).as(name).contains("catalog:" + name);
            assertThat(ranked.get(0).score()).isEqualTo(1.0);
            assertThat(ranked.get(1).score()).as(name + " second").isLessThan(1.0);
        }
    }

    @Test
    void aResizedHeadOrStemIsNamedWithTimmsOption() throws Exception {
        for (String source : List.of("timm/resnet50?num_classes=10", "timm/convnext_tiny?num_classes=37", "timm/vit_small_patch16_224?num_classes=5",
                "timm/resnet18?in_chans=1", "timm/efficientnet_b0?num_classes=2&in_chans=1", "timm/vit_small_patch14_dinov2?num_classes=10")) {
            List<TensorSpec> ckpt = SuggesterTest.prefixed(ModelSpec.load("catalog:" + source).tensors(), "model.backbone.");
            Identifier.Candidate best = top(ckpt);
            String base = source.substring(0, source.indexOf('?'));
            assertThat(names(best).stream().map(n -> n.replaceFirst("\\?.*", ""))).as(source).contains("catalog:" + base);
            assertThat(best.model()).as(source).endsWith(source.substring(source.indexOf('?')));
            assertThat(best.score()).isEqualTo(1.0);
        }
    }

    @Test
    void aSmallerSiblingIsNeverFirst() throws Exception {
        for (String[] pair : new String[][] {{"timm/resnet50", "resnet34"}, {"timm/resnet101", "resnet50"}, {"timm/convnext_small", "convnext_tiny"},
                {"timm/vit_base_patch16_224", "vit_small_patch16_224"}, {"timm/efficientnet_b3", "efficientnet_b2"}}) {
            for (String source : List.of(pair[0], pair[0] + "?num_classes=10")) {
                List<Identifier.Candidate> ranked = Identifier.rank(ModelSpec.load("catalog:" + source).tensors());
                assertThat(names(ranked.get(0))).as(source).noneMatch(n -> n.endsWith("/" + pair[1]));
                assertThat(names(ranked.get(0)).stream().map(n -> n.replaceFirst("\\?.*", ""))).as(source).contains("catalog:" + pair[0]);
            }
        }
    }

    @Test
    void aFloat16CheckpointIsIdentifiedLikeItsFloat32Model() throws Exception {
        List<TensorSpec> half = ModelSpec.load("catalog:timm/convnext_tiny?num_classes=10").tensors().stream()
                .map(t -> new TensorSpec("model." + t.key(), t.shape(), io.weightbench.tensor.DType.FLOAT16)).toList();
        Identifier.Candidate best = top(half);
        assertThat(best.model()).isEqualTo("catalog:timm/convnext_tiny?num_classes=10");
        assertThat(best.score()).isEqualTo(1.0);
    }

    /** bench/run_identify_bench.py measures a new process; this the ranking inside a running one (after the index is loaded). */
    @Test
    void rankingAmongTheWholeCatalogTakesUnder300MsForA300KeyCheckpoint() throws Exception {
        List<TensorSpec> ckpt = SuggesterTest.prefixed(ModelSpec.load("catalog:timm/resnet50?num_classes=10").tensors(), "module.");
        assertThat(ckpt).hasSizeGreaterThanOrEqualTo(300);
        Identifier.warmUp();
        for (int i = 0; i < 3; i++) Identifier.rank(ckpt);
        long[] ms = new long[9];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            Identifier.rank(ckpt);
            ms[i] = (System.nanoTime() - start) / 1_000_000;
        }
        java.util.Arrays.sort(ms);
        System.out.println("identify rank, 320 keys, in-process: median " + ms[ms.length / 2] + " ms, max " + ms[ms.length - 1] + " ms");
        assertThat(ms[ms.length / 2]).isLessThan(300);
    }

    /** A real file from torch: nested under state_dict, every key under module., a 10-class head (meta tensors: no data). */
    @Test
    void aNestedPrefixedResizedFileFromTorchIsIdentified(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("resnet50_10class.pth");
        io.weightbench.TestFiles.runTorchScript("scripts/make_identify_checkpoint.py", file.toString(), "resnet50", "module.", "10");
        java.io.StringWriter out = new java.io.StringWriter();
        int code = io.weightbench.cli.WeightbenchCommand.run(new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()),
                "identify", "--json", file.toString());
        assertThat(code).isZero();
        com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString()).get("candidates").get(0);
        List<String> names = new ArrayList<>(List.of(first.get("model").asText()));
        first.get("same").forEach(n -> names.add(n.asText()));
        assertThat(names).contains("catalog:timm/resnet50?num_classes=10");
        assertThat(first.get("score").asDouble()).isEqualTo(1.0);
        assertThat(first.get("checkpoint_keys").asInt()).isEqualTo(320);
    }
}
