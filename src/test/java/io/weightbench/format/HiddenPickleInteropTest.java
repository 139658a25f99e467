package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
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
 * Zips that hide a pickle (duplicate names, overlapping entries, a second folder, a root-level or
 * nested {@code data.pkl}; scripts/make_attack_files.py): Weightbench either refuses them or shows
 * exactly the pickle real torch 1.13 reads. torch is asked about the benign probe twins only.
 */
class HiddenPickleInteropTest {

    static final Path ATTACK = Path.of("src", "test", "resources", "attack").toAbsolutePath();

    private static List<Path> zips(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(ATTACK)) {
            return s.filter(p -> p.getFileName().toString().startsWith("zip_") && p.getFileName().toString().endsWith(suffix))
                    .sorted().toList();
        }
    }

    @Test
    void everyHiddenPickleZipIsRefusedInOneLineNamingTheFile() throws IOException {
        List<Path> attacks = new ArrayList<>();
        for (Path p : zips(".pt")) {
            String n = p.getFileName().toString();
            boolean hidesAPickle = Files.exists(p.resolveSibling(n.replace(".pt", "_probe.pt")));
            if (!n.endsWith("_probe.pt") && hidesAPickle && !n.startsWith("zip_nested")) attacks.add(p);
        }
        assertThat(attacks).hasSizeGreaterThanOrEqualTo(6);
        for (Path p : attacks) {
            assertThatThrownBy(() -> Formats.standard().open(p).close()).as(p.getFileName().toString())
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageStartingWith(p + ": ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("weightbench-attack"));
        }
    }

    @Test
    void aNestedFoldersPickleIsNotTorchsAndIsNotShown() throws IOException {
        // torch reads <first folder>/data.pkl; a/b/data.pkl (the hidden call) is a record it never runs
        try (Checkpoint c = Formats.standard().open(ATTACK.resolve("zip_nested_datapkl.pt"))) {
            assertThat(((PyDict) c.root()).keySet()).containsExactly("a");
        }
    }

    @Test
    void whatWeShowIsWhatTorchReadsOrWeRefuse() throws Exception {
        List<Path> probes = zips("_probe.pt");
        List<String> args = new ArrayList<>();
        for (Path p : probes) args.add(p.toString());
        String log = TestFiles.runTorchScript("scripts/torch_reads.py", args.toArray(String[]::new));
        Map<String, String> torch = new LinkedHashMap<>();
        for (String line : log.strip().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 3) torch.put(f[0], f[1].equals("keys") ? f[2] : "refused");
        }
        assertThat(torch.keySet()).hasSize(probes.size());
        int refusedByBoth = 0;
        for (Path p : probes) {
            String name = p.getFileName().toString();
            String ours;
            try (Checkpoint c = Formats.standard().open(p)) {
                List<String> keys = new ArrayList<>();
                if (c.root() instanceof PyDict d) for (Object k : d.keySet()) keys.add(PyValues.keyText(k));
                ours = String.join(",", keys);
            } catch (CheckpointException e) {
                ours = "refused";
            }
            if (!ours.equals("refused")) assertThat(ours).as(name + ": torch reads another pickle than we show").isEqualTo(torch.get(name));
            if (ours.equals("refused") && torch.get(name).equals("refused")) refusedByBoth++;
        }
        // torch itself refuses the root-level and two-folder layouts
        assertThat(refusedByBoth).isGreaterThanOrEqualTo(3);
    }
}
