package io.weightbench.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.CanonicalBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export without torch: round trips through our own reader, bit for bit, and the safety rules. */
class ExporterTest {

    @Test
    void everyFixtureRoundTripsThroughPthAndSafetensors(@TempDir Path dir) throws Exception {
        for (String name : List.of("dtypes_zip.pt", "views_legacy.pt", "scalars_empty.pt", "training_checkpoint.pth", "bigendian.pt",
                "model.safetensors", "arrays.npz", "whole_module.pt", "scripted.pt")) {
            try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve(name))) {
                for (String ext : List.of(".pth", ".safetensors")) {
                    boolean storable = ext.equals(".pth") || c.weights().stream().allMatch(t -> t.data().dtype().safetensorsCode().isPresent());
                    if (!storable) continue;
                    Path out = dir.resolve(name.replace('.', '_') + ext);
                    Exporter.export(c, RuleSet.empty(), out);
                    try (Checkpoint back = Formats.standard().open(out)) {
                        List<TensorEntry> w = back.weights();
                        assertThat(w).as(name + ext).hasSameSizeAs(c.weights());
                        for (int i = 0; i < w.size(); i++) {
                            assertThat(w.get(i).key()).isEqualTo(c.weights().get(i).key());
                            assertThat(CanonicalBytes.sha256(w.get(i).data())).as(name + ext + " " + w.get(i).key())
                                    .isEqualTo(CanonicalBytes.sha256(c.weights().get(i).data()));
                        }
                    }
                }
            }
        }
    }

    /** The kernel copies what is a plain region of a file (zip entry, legacy storage, safetensors) and nothing else. */
    @Test
    void onlyPlainFileRegionsAreCopiedByTheKernel() throws Exception {
        for (String name : List.of("dtypes_zip.pt", "dtypes_legacy.pt", "model.safetensors")) {
            try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve(name))) {
                assertThat(c.tensors()).as(name).anyMatch(t -> t.data().isContiguous() && t.data().numel() > 0);
                for (TensorEntry t : c.tensors()) {
                    assertThat(CanonicalBytes.kernelCopies(t.data())).as(name + " " + t.key()).isEqualTo(t.data().isContiguous());
                }
            }
        }
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("bigendian.pt"))) {
            assertThat(c.tensors()).anyMatch(t -> t.data().dtype().itemSize() > 1 && !CanonicalBytes.kernelCopies(t.data()));
        }
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("arrays_compressed.npz"))) {
            assertThat(c.tensors()).noneMatch(t -> CanonicalBytes.kernelCopies(t.data()));
        }
    }

    @Test
    void aCancelledExportLeavesNothingBehind(@TempDir Path dir) throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("training_checkpoint.pth"))) {
            io.weightbench.tensor.Progress p = new io.weightbench.tensor.Progress(0);
            p.cancel();
            Path out = dir.resolve("fixed.pth");
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), out, false, 0, p))
                    .isInstanceOf(java.util.concurrent.CancellationException.class);
            try (Stream<Path> left = Files.list(dir)) {
                assertThat(left).isEmpty();
            }
            io.weightbench.tensor.Progress done = new io.weightbench.tensor.Progress(0);
            Exporter.export(c, RuleSet.empty(), out, false, 0, done);
            assertThat(done.fraction()).isEqualTo(1.0);
        }
    }

    @Test
    void nestedEntriesSurviveAndOnlyTheWeightsChange(@TempDir Path dir) throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("training_checkpoint.pth"))) {
            Path out = dir.resolve("fixed.pth");
            Exporter.Result r = Exporter.export(c, new RuleSet(List.of(new Rule.AddPrefix("net."))), out);
            assertThat(r.warnings()).anyMatch(w -> w.contains("args") && w.contains("argparse.Namespace"));
            try (Checkpoint back = Formats.standard().open(out)) {
                assertThat(back.weightsEntry()).isEqualTo("state_dict");
                assertThat(back.weights().get(0).key()).startsWith("net.");
                assertThat(back.metadata()).containsEntry("epoch", "7").containsEntry("best_acc", "0.91");
                assertThat(back.tensors().stream().filter(t -> t.key().startsWith("optimizer.")).count())
                        .isEqualTo(c.tensors().stream().filter(t -> t.key().startsWith("optimizer.")).count());
            }
        }
    }

    /**
     * A storage copied whole from an input torch zip is checked against the CRC-32 the input's zip
     * directory records (its bytes are never read by this process): an input whose data no longer
     * matches that CRC is refused, with nothing left behind.
     */
    @Test
    void anInputStorageThatDoesNotMatchItsRecordedCrcFailsTheExport(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pt");
        Files.copy(TestFiles.fixtures().resolve("dtypes_zip.pt"), in);
        try (io.weightbench.tensor.MappedFile f = new io.weightbench.tensor.MappedFile(in)) {
            io.weightbench.format.ZipArchive zip = io.weightbench.format.ZipArchive.open(in, f);
            io.weightbench.format.ZipArchive.Entry e = zip.entries().values().stream()
                    .filter(x -> x.name().contains("/data/") && x.size() > 8).findFirst().orElseThrow();
            long at = zip.dataStart(e) + 3;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(in, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                ByteBufferHolder.flip(ch, at);
            }
        }
        Path out = dir.resolve("out.pth");
        try (Checkpoint c = Formats.standard().open(in)) {
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), out)).hasMessageContaining("reads back differently")
                    .hasMessageContaining("CRC-32 its own zip directory records");
            RuleSet floats = new RuleSet(List.of(new Rule.KeepOnly("^[^c].*")));
            assertThatThrownBy(() -> Exporter.export(c, floats, dir.resolve("out.safetensors"))).hasMessageContaining("reads back differently");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("in.pt");
        }
        // the untouched input exports fine
        Path clean = dir.resolve("clean.pth");
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("dtypes_zip.pt"))) {
            Exporter.export(c, RuleSet.empty(), clean);
        }
        assertThat(clean).exists();
    }

    private static final class ByteBufferHolder {
        static void flip(java.nio.channels.FileChannel ch, long at) throws java.io.IOException {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            b.rewind();
            ch.write(b, at);
        }
    }

    @Test
    void neverOverwritesItsInputAndLeavesNoPartialFile(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pth");
        Files.copy(TestFiles.fixtures().resolve("parameter.pt"), in);
        byte[] before = Files.readAllBytes(in);
        try (Checkpoint c = Formats.standard().open(in)) {
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), in)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("never overwrites what it reads");
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), dir.resolve("x.onnx"))).hasMessageContaining("unknown output format");
        }
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("in.pth");
        }
    }

    @Test
    void shardedSafetensorsRoundTripThroughTheirIndex(@TempDir Path dir) throws Exception {
        try (Checkpoint c = Formats.standard().open(Path.of("samples/tinynet_lightning.ckpt"))) {
            Exporter.Result r = Exporter.export(c, new RuleSet(List.of(new Rule.StripPrefix("model."))), dir.resolve("model.safetensors"), false, 10_000);
            assertThat(r.output().getFileName().toString()).isEqualTo("model.safetensors.index.json");
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly(
                        "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
                        "model.safetensors.index.json");
            }
            try (Checkpoint back = Formats.standard().open(r.output())) {
                assertThat(back.format()).isEqualTo("safetensors-sharded");
                assertThat(back.weights()).hasSize(16);
                for (TensorEntry t : back.weights()) {
                    assertThat(CanonicalBytes.sha256(t.data())).isEqualTo(CanonicalBytes.sha256(c.tensor("state_dict.model." + t.key()).orElseThrow().data()));
                }
            }
        }
        assertThat(Exporter.parseSize("5GB")).isEqualTo(5_000_000_000L);
        assertThat(Exporter.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThat(Exporter.parseSize("500 MB")).isEqualTo(500_000_000L);
    }

    @Test
    void quantizedTensorsCannotGoToSafetensors(@TempDir Path dir) throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("quantized.pt"))) {
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), dir.resolve("q.safetensors")))
                    .hasMessageContaining("which safetensors cannot store");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    private static void copySharded(Path dir) throws Exception {
        for (String n : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json")) {
            Files.copy(TestFiles.fixtures().resolve(n), dir.resolve(n));
        }
    }

    private static java.util.Map<String, String> digests(Path dir) throws Exception {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p)) {
                    out.put(p.getFileName().toString(), java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    @Test
    void noOutputMayBeAnyFileTheExportReadsByRealIdentity(@TempDir Path dir) throws Exception {
        copySharded(dir);
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": []}");
        Path link = dir.resolve("link.safetensors");
        Files.createSymbolicLink(link, dir.resolve("model-00001-of-00002.safetensors"));
        java.util.Map<String, String> before = digests(dir);
        try (Checkpoint c = Formats.standard().open(dir.resolve("model.safetensors.index.json"))) {
            // re-sharding in place: the shards and the index it would write are the ones it reads
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), dir.resolve("model.safetensors"), false, 100))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("never overwrites what it reads");
            // an input shard named as the output, directly or through a link
            for (Path out : List.of(dir.resolve("model-00001-of-00002.safetensors"), link)) {
                assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), out)).as(out.toString())
                        .isInstanceOf(CheckpointException.class).hasMessageContaining("never overwrites what it reads");
            }
        }
        Path hard = dir.resolve("hard.pth");
        Files.createLink(hard, dir.resolve("model-00002-of-00002.safetensors"));
        try (Checkpoint c = Formats.standard().open(dir.resolve("model.safetensors.index.json"))) {
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), hard)).hasMessageContaining("the same file as the input");
        }
        Files.delete(hard);
        assertThat(digests(dir)).isEqualTo(before);
    }

    @Test
    void theRulesFileIsAnInputToo(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pth");
        Files.copy(TestFiles.fixtures().resolve("parameter.pt"), in);
        Path rules = dir.resolve("rules.pth");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": []}");
        try (Checkpoint c = Formats.standard().open(in)) {
            assertThatThrownBy(() -> Exporter.export(c, RuleSet.empty(), rules, false, 0, io.weightbench.tensor.Progress.none(), List.of(rules)))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("is an input of this export");
        }
        assertThat(Files.readString(rules)).startsWith("{");
    }

    @Test
    void aLongOutputNameWorksAndKilledExportsPartialFilesAreCleaned(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pth");
        Files.copy(TestFiles.fixtures().resolve("parameter.pt"), in);
        // a partial file of an export killed long ago (a pid that cannot run), another process's live one, and a stranger's file
        Path stale = dir.resolve(".weightbench-4194399999-00000000deadbeef.partial");
        Files.write(stale, new byte[1000]);
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L));
        Path live = dir.resolve(".weightbench-" + ProcessHandle.current().parent().orElseThrow().pid() + "-00000000cafebabe.partial");
        Files.write(live, new byte[10]);
        Files.setLastModifiedTime(live, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L));
        Path stranger = dir.resolve(".model.pth.123.partial");
        Files.write(stranger, new byte[10]);
        String name = "m".repeat(252 - ".safetensors".length()) + ".safetensors";
        assertThat(name).hasSize(252);
        try (Checkpoint c = Formats.standard().open(in)) {
            Exporter.Result r = Exporter.export(c, RuleSet.empty(), dir.resolve(name));
            assertThat(r.output().getFileName().toString()).isEqualTo(name);
            assertThat(r.warnings()).anyMatch(w -> w.contains("removed temporary files of killed exports") && w.contains("1000 bytes"));
        }
        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(stranger).exists();
        try (Checkpoint back = Formats.standard().open(dir.resolve(name))) {
            assertThat(back.tensors()).isNotEmpty();
        }
    }
}
