package io.weightbench.format.keras;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast HDF5 listing ({@code Hdf5Metadata}) against jhdf, the reference it falls back to: every
 * HDF5 file the project has (the cross-framework corpus, the Keras test fixtures and fuzz seeds,
 * the round-trip fixtures, and h5py-made variants from {@code scripts/make_hdf5_variants.py}) is
 * opened both ways, and the checkpoints must be the same: format, metadata, warnings, and every
 * tensor's key, dtype, shape, info and canonical SHA-256. A file both refuse passes (the words may
 * differ: a malformed file's); one only the fast listing refuses fails. One only jhdf refuses
 * passes only for jhdf's known limitation (untagged opaque types), whose listing
 * {@link KerasReaderTest} checks against h5py. Each test also says which reader listed the file,
 * and the files left to jhdf are exactly those that need what the fast reader does not read.
 */
class Hdf5MetadataTest {

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> corpusListsAlikeBothWays() throws Exception {
        return TestFiles.visibly("corpusListsAlikeBothWays", () -> {
            Path corpus = TestFiles.crossframework();
            return tests(hdf5Files(corpus), Set.of());
        });
    }

    @TestFactory
    Stream<DynamicTest> fixturesListAlikeBothWays() throws Exception {
        List<Path> files = new ArrayList<>(hdf5Files(KerasReaderTest.FIXTURES));
        files.addAll(hdf5Files(Path.of("src/test/resources/io/weightbench/format/keras/KerasFuzzTestInputs")));
        return tests(files, null);
    }

    @TestFactory
    Stream<DynamicTest> h5pyVariantsListAlikeBothWays() throws Exception {
        return TestFiles.visibly("h5pyVariantsListAlikeBothWays", () -> {
            TestFiles.runPythonScript("numpy,h5py", "scripts/make_hdf5_variants.py", tmp.toString());
            return tests(hdf5Files(tmp), Set.of("latest_dense.h5"));
        });
    }

    @TestFactory
    Stream<DynamicTest> roundTripFixturesListAlikeBothWays() throws Exception {
        return TestFiles.visibly("roundTripFixturesListAlikeBothWays", () -> {
            TestFiles.runTorchScript("scripts/make_roundtrip_fixtures.py", tmp.toString(), "resnet18", "mobilenet_v3_small");
            return tests(hdf5Files(tmp), Set.of());
        });
    }

    /**
     * One test per file; {@code leftToJhdf} names the plain {@code .h5} files the fast reader must
     * leave to jhdf (all others it must list itself), or is null to not check that (hostile files).
     */
    private static Stream<DynamicTest> tests(List<Path> files, Set<String> leftToJhdf) {
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String fast = listing(f, false);
            String jhdf = listing(f, true);
            if (jhdf.startsWith("refused") && !fast.startsWith("refused")) {
                assertThat(jhdf).as(f + " listed fast but refused by jhdf").contains("opaque datatype without a tag");
            } else if (!(jhdf.startsWith("refused") && fast.startsWith("refused"))) {
                assertThat(fast).as(f.toString()).isEqualTo(jhdf);
            }
            if (leftToJhdf != null && !f.toString().endsWith(".keras")) {
                assertThat(listedFast(f)).as(f + " listed by Hdf5Metadata").isEqualTo(!leftToJhdf.contains(f.getFileName().toString()));
            }
        }));
    }

    static List<Path> hdf5Files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".h5") || n.endsWith(".keras") || n.endsWith(".hdf5");
            }).sorted().toList();
        }
    }

    private static boolean listedFast(Path f) throws IOException {
        try (MappedFile m = new MappedFile(f); Hdf5File h = Hdf5File.open(m)) {
            return h.listedFast();
        } catch (IOException refused) {
            return false;
        }
    }

    /** Everything a checkpoint lists, with each tensor's hash; or the refusal. */
    static synchronized String listing(Path file, boolean jhdfOnly) throws IOException {
        if (jhdfOnly) System.setProperty(Hdf5File.JHDF_ONLY, "1");
        try (Checkpoint c = Formats.standard().open(file)) {
            StringBuilder s = new StringBuilder();
            s.append(c.format()).append(" entry=").append(c.weightsEntry()).append('\n');
            s.append(new java.util.TreeMap<>(c.metadata())).append('\n');
            for (String w : c.warnings()) s.append("warning: ").append(w).append('\n');
            for (TensorEntry t : c.tensors()) {
                String hash;
                try {
                    hash = CanonicalBytes.sha256(t.data());
                } catch (IOException e) {
                    hash = "unreadable: " + e.getMessage();
                }
                s.append(t.key()).append(' ').append(t.data().dtype()).append(Arrays.toString(t.data().shape())).append(' ')
                        .append(t.info()).append(' ').append(t.parameter()).append(' ').append(hash).append('\n');
            }
            return s.toString();
        } catch (CheckpointException e) {
            return "refused: " + e.getMessage();
        } finally {
            System.clearProperty(Hdf5File.JHDF_ONLY);
        }
    }
}
