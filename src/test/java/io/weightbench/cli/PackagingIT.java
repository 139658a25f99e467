package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/build-linux.sh (app image only; the .deb is the same image wrapped) against the
 * packaged jar, in {@code verify}: its launcher runs the CLI with its own jlink'd runtime, and
 * that runtime holds every module the workbench and libtorch need.
 */
class PackagingIT {

    @Test
    void theAppImageRunsTheCliWithItsOwnRuntime(@TempDir Path cache) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jpackage")), "no jpackage in this JDK");
        LauncherScriptIT.Run build = LauncherScriptIT.run(cache, List.of("packaging/build-linux.sh", "--no-deb"));
        assertThat(build.code()).as(build.out() + build.err()).isZero();
        Path launcher = Path.of("target/jpackage/weightbench/bin/weightbench");
        assertThat(launcher).isExecutable();
        String fixture = TestFiles.fixtures().resolve("training_checkpoint.pth").toString();
        LauncherScriptIT.Run inspect = LauncherScriptIT.run(cache, List.of(launcher.toString(), "inspect", "--json", fixture));
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).startsWith("{\"file\":").contains("\"weights_entry\":\"state_dict\"");
        // the runtime has what the workbench (javafx on the class path: java.desktop, java.logging, java.prefs) and DJL need
        LauncherScriptIT.Run verify = LauncherScriptIT.run(cache, List.of(launcher.toString(), "verify", "--model", "samples/tinynet_scripted.pt",
                "--checkpoint", "samples/tinynet_dataparallel.pth", "--rules", "samples/rules/dataparallel.json", "--input-shape", "1,3,16,16", "--json"));
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).contains("\"passed\":true");
        String modules = Files.readString(Path.of("target/jpackage/weightbench/lib/runtime/release"));
        assertThat(modules).contains("java.desktop").contains("java.logging").contains("java.prefs").contains("jdk.unsupported");
    }
}
