package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apply --fill-missing against real torch (scripts/fill_missing_reference.py): a torchvision
 * resnet18 checkpoint without its head (fc.*) and one BatchNorm (layer4.1.bn2.*), filled on
 * catalog:torchvision/resnet18 by torch's default initialisation or from the template file, loads
 * with strict=True; BatchNorm's filled keys are exact, the Linear's within torch's bounds, every
 * other tensor untouched; the recorded rules replay to the same bytes.
 */
class FillMissingInteropTest {

    static String run(String... args) { return ConversionRoundTripInteropTest.run(args); }

    @Test
    void aCheckpointWithoutItsHeadLoadsStrictlyOnceFilled(@TempDir Path dir) throws Exception {
        TestFiles.require(TestFiles.pythonHas("torchvision"), "Debian python3-torchvision is not installed");
        TestFiles.runTorchScript("scripts/fill_missing_reference.py", "make", dir.toString());
        Path in = dir.resolve("no_head.pth");
        Path out = dir.resolve("init.pth");
        Path rules = dir.resolve("init_rules.json");
        String log = run("apply", in.toString(), "--model", "catalog:torchvision/resnet18", "--fill-missing", "init", "--seed", "3",
                "--save-rules", rules.toString(), "-o", out.toString());
        assertThat(log).contains("filled 7 keys the checkpoint lacks (--fill-missing init, seed 3):")
                .contains("add fc.weight [1000, 512] float32 = uniform(-0.044194173824159216, 0.044194173824159216) seed 3 (Linear weight:"
                        + " kaiming_uniform(a=sqrt(5)), fan_in 512; kind inferred from the key's name and rank)")
                .contains("add layer4.1.bn2.running_var [512] float32 = 1.0 (BatchNorm running_var: 1")
                .doesNotContain("not filled");
        String checked = TestFiles.runTorchScript("scripts/fill_missing_reference.py", "check-init", dir.toString(), out.toString());
        assertThat(checked).contains("loads with strict=True").doesNotContain("differ");
        assertThat(Files.readString(rules)).contains("\"op\" : \"add_tensor\"").contains("\"seed\" : 3");

        // the recorded rules replay alone to the same tensors
        Path again = dir.resolve("again.safetensors");
        run("apply", in.toString(), "--rules", rules.toString(), "-o", again.toString());
        Path first = dir.resolve("first.safetensors");
        run("apply", out.toString(), "-o", first.toString());
        assertThat(hashes(again)).isEqualTo(hashes(first));

        Path tpl = dir.resolve("template.pth");
        Path fromTemplate = dir.resolve("template_filled.pth");
        String tlog = run("apply", in.toString(), "--model", tpl.toString(), "--fill-missing", "template", "-o", fromTemplate.toString());
        assertThat(tlog).contains("filled 7 keys").contains("add fc.bias [1000] float32 = from " + tpl.toAbsolutePath());
        String tchecked = TestFiles.runTorchScript("scripts/fill_missing_reference.py", "check-template", dir.toString(), fromTemplate.toString());
        assertThat(tchecked).contains("loads with strict=True").doesNotContain("differ");
    }

    /** Every tensor's key, dtype, shape and sha256, in order. */
    private static String hashes(Path file) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(run("inspect", "--hash", "--json", file.toString())).get("tensors").toString();
    }
}
