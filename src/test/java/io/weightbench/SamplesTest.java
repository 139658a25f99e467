package io.weightbench;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Comparison;
import io.weightbench.compare.Fit;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The bundled samples show what the README says they show, and their example rules fix them. */
class SamplesTest {

    private static Comparison fit(String sample, String rules) throws Exception {
        try (Checkpoint template = Formats.standard().open(Path.of("samples/tinynet_template.pt"));
             Checkpoint c = Formats.standard().open(Path.of("samples", sample))) {
            RuleSet r = rules == null ? RuleSet.empty() : RuleSet.read(Path.of("samples/rules", rules + ".json"));
            return Fit.of(ModelSpec.fromCheckpoint(template), c, r).comparison();
        }
    }

    @Test
    void everySampleHasItsProblemAndItsRulesFixWhatCanBeFixed() throws Exception {
        assertThat(fit("tinynet_dataparallel.pth", null).unexpected()).hasSize(16).allMatch(k -> k.startsWith("module."));
        assertThat(fit("tinynet_dataparallel.pth", "dataparallel").loadsStrictly()).isTrue();
        assertThat(fit("tinynet_lightning.ckpt", null).unexpected()).allMatch(k -> k.startsWith("model."));
        assertThat(fit("tinynet_lightning.ckpt", "lightning").loadsStrictly()).isTrue();
        assertThat(fit("tinynet_mmdet.pth", null).unexpected()).anyMatch(k -> k.startsWith("backbone.")).anyMatch(k -> k.startsWith("neck."));
        Comparison mmdet = fit("tinynet_mmdet.pth", "mmdet");
        assertThat(mmdet.unexpected()).isEmpty();
        assertThat(mmdet.missing()).containsExactly("head.weight", "head.bias"); // a detector backbone has no classifier
        Comparison fp16 = fit("tinynet_5class_fp16.safetensors", null);
        assertThat(fp16.mismatched()).extracting(Comparison.Mismatch::key).containsExactly("head.weight", "head.bias");
        assertThat(fp16.dtypeChanged()).isNotEmpty();
        Comparison fp16Fixed = fit("tinynet_5class_fp16.safetensors", "5class_fp16");
        assertThat(fp16Fixed.dtypeChanged()).isEmpty();
        assertThat(fp16Fixed.mismatched()).isEmpty();
        assertThat(fp16Fixed.missing()).containsExactly("head.weight", "head.bias"); // a new head to train
        assertThat(fit("tinynet_1000class.pth", null).mismatched()).hasSize(2);
        assertThat(fit("tinynet_1000class.pth", "1000class").loadsStrictly()).isTrue();
    }

    @Test
    void theSamplesStaySmall() throws Exception {
        long total;
        try (Stream<Path> files = Files.walk(Path.of("samples"))) {
            total = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(total).isLessThan(4L << 20);
    }
}
