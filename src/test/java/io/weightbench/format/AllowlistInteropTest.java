package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleGlobals;
import io.weightbench.stats.HealthCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Python global a pickle names is warned about unless it is on the allowlist of torch's
 * {@code weights_only} loader: real torch 1.13 refusing a file with {@code weights_only=True}
 * equals our warning, on one torch zip per global (scripts/make_attack_files.py: dangerous calls,
 * unknown classes, data types, torch's own reconstructors).
 */
class AllowlistInteropTest {

    static final Path GLOBALS = HiddenPickleInteropTest.ATTACK.resolve("globals");

    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(GLOBALS)) {
            return s.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        }
    }

    /** The global a file names: {@code kind__module.name.pt}. */
    private static String global(Path p) {
        String n = p.getFileName().toString();
        return n.substring(n.indexOf("__") + 2, n.length() - 3);
    }

    /** Whether Weightbench warns about the file's global, in inspect's warnings and in check's findings. */
    private static boolean warned(Path p) throws IOException {
        String g = global(p);
        try (Checkpoint c = Formats.standard().open(p)) {
            boolean warning = c.warnings().stream().anyMatch(w -> w.contains(g));
            boolean finding = HealthCheck.pickleGlobals(c.pickleGlobals()).stream().anyMatch(f -> f.message().startsWith(g + " "));
            assertThat(finding).as(g + ": inspect's warning and check's finding agree").isEqualTo(warning);
            return warning;
        }
    }

    @Test
    void weWarnExactlyWhenTorchsWeightsOnlyLoaderRefuses() throws Exception {
        List<Path> files = files();
        List<String> args = new ArrayList<>(List.of("--weights-only"));
        for (Path p : files) args.add(p.toString());
        String log = TestFiles.runTorchScript("scripts/torch_reads.py", args.toArray(String[]::new));
        Map<String, Boolean> torchRefused = new LinkedHashMap<>();
        for (String line : log.strip().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 3) torchRefused.put(f[0], f[1].equals("refused"));
        }
        assertThat(torchRefused).hasSize(files.size());
        int refused = 0;
        for (Path p : files) {
            boolean torch = torchRefused.get(p.getFileName().toString());
            assertThat(warned(p)).as(global(p) + ": torch.load(weights_only=True) " + (torch ? "refuses" : "accepts")).isEqualTo(torch);
            if (torch) refused++;
        }
        assertThat(refused).isGreaterThan(40).isLessThan(files.size());
    }

    @Test
    void dangerousCallsAreErrorsSayingWhatTheyDo() throws IOException {
        for (Path p : files()) {
            String kind = p.getFileName().toString().substring(0, p.getFileName().toString().indexOf("__"));
            PickleGlobals.Verdict v = PickleGlobals.classify(global(p));
            assertThat(v.kind().name().toLowerCase(java.util.Locale.ROOT)).as(global(p)).isEqualTo(kind);
        }
        try (Checkpoint c = Formats.standard().open(HiddenPickleInteropTest.ATTACK.resolve("call_timeit.pt"))) {
            assertThat(c.warnings()).anyMatch(w -> w.contains("timeit.timeit (runs Python code given as a string, timing it)"));
            assertThat(HealthCheck.pickleGlobals(c.pickleGlobals()))
                    .anyMatch(f -> f.severity() == HealthCheck.Severity.ERROR && f.message().contains("timeit.timeit runs Python code"));
        }
        try (Checkpoint c = Formats.standard().open(HiddenPickleInteropTest.ATTACK.resolve("call_pydoc_pipepager.pt"))) {
            assertThat(c.warnings()).anyMatch(w -> w.contains("pydoc.pipepager (pipes text into a shell command)"));
        }
    }

    @Test
    void torchsOwnCheckpointsGetNoGlobalWarning() throws IOException {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("dataparallel.pth"))) {
            assertThat(c.pickleGlobals()).isNotEmpty();
            assertThat(HealthCheck.pickleGlobals(c.pickleGlobals())).isEmpty();
            assertThat(c.warnings()).noneMatch(w -> w.contains("the pickle"));
        }
    }

    @Test
    void aShardsDangerousCallIsTheShardedCheckpointsToo(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.copy(TestFiles.fixtures().resolve("pytorch_model.bin.index.json"), dir.resolve("pytorch_model.bin.index.json"));
        Files.copy(TestFiles.fixtures().resolve("pytorch_model-00001-of-00002.bin"), dir.resolve("pytorch_model-00001-of-00002.bin"));
        Files.copy(HiddenPickleInteropTest.ATTACK.resolve("call_os_system.pt"), dir.resolve("pytorch_model-00002-of-00002.bin"));
        try (Checkpoint c = Formats.standard().open(dir.resolve("pytorch_model.bin.index.json"))) {
            assertThat(c.warnings()).anyMatch(w -> w.startsWith("pytorch_model-00002-of-00002.bin: the pickle calls os.system (runs a shell command)"));
            assertThat(HealthCheck.pickleGlobals(c.pickleGlobals()))
                    .anyMatch(f -> f.severity() == HealthCheck.Severity.ERROR && f.message().startsWith("os.system runs a shell command"));
        }
    }
}
