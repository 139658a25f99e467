package io.weightbench.format.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.format.onnx.proto.OnnxProto.StringStringEntryProto;
import io.weightbench.format.onnx.proto.OnnxProto.TensorProto;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the ONNX reader says beside the values (the truth of the values is {@link OnnxTruthTest}):
 * the consuming op in each tensor's info, metadata, warnings for what is not listed, one-line
 * refusals of malformed and hostile files, external data kept inside the model's folder, files and
 * tensors over 2 GiB listed without reading them, and a probe that claims nothing but ONNX.
 */
class OnnxReaderTest {

    static final Path FIXTURES = TestFiles.fixtures().resolve("onnx");

    private static Checkpoint open(Path p) throws CheckpointException {
        return Formats.standard().open(p);
    }

    private static Map<String, String> info(Checkpoint c, String key) {
        return c.tensor(key).orElseThrow(() -> new AssertionError("no tensor " + key)).info();
    }

    @Test
    void infoTellsAConvKernelFromAGemmWeightAndNamesBatchNormStatistics() throws Exception {
        try (Checkpoint c = open(FIXTURES.resolve("cnn_bn_linear_training.onnx"))) {
            assertThat(c.format()).isEqualTo("onnx");
            assertThat(info(c, "conv.weight")).containsEntry("op", "Conv").containsEntry("input", "1")
                    .containsEntry("role", "W").containsEntry("group", "1").containsEntry("data", "raw_data");
            assertThat(info(c, "conv.bias")).containsEntry("op", "Conv").containsEntry("role", "B");
            // torch's Linear exports as Gemm with transB=1: the weight is stored [out, in], as torch has it
            assertThat(info(c, "fc.weight")).containsEntry("op", "Gemm").containsEntry("role", "B").containsEntry("transB", "1");
            assertThat(c.tensor("fc.weight").orElseThrow().data().shape()).containsExactly(5, 64);
            // training mode, no constant folding: BatchNormalization keeps its four tensors
            assertThat(info(c, "bn.weight")).containsEntry("op", "BatchNormalization").containsEntry("role", "scale");
            assertThat(info(c, "bn.running_mean")).containsEntry("role", "input_mean").containsEntry("input", "3");
            assertThat(info(c, "bn.running_var")).containsEntry("role", "input_var");
            assertThat(c.metadata()).containsEntry("producer_name", "pytorch").containsEntry("producer_version", "1.13.0")
                    .containsEntry("opset_import", "ai.onnx 13");
        }
    }

    @Test
    void infoSaysTransposeAndScaleOfGemmSharedInitializersAndSubgraphs() throws Exception {
        try (Checkpoint c = open(FIXTURES.resolve("typed_data.onnx"))) {
            assertThat(info(c, "gemm.weight_in_out")).containsEntry("op", "Gemm").containsEntry("transB", "0")
                    .containsEntry("transA", "0").containsEntry("alpha", "0.5").containsEntry("node", "gemm0");
            assertThat(info(c, "matmul.weight")).containsEntry("op", "MatMul").containsEntry("role", "B");
            assertThat(info(c, "shared.bias")).containsEntry("consumers", "2").containsEntry("ops", "Add:1, Mul:1")
                    .containsEntry("op", "Add");
            assertThat(info(c, "then.offset")).containsEntry("subgraph", "if0.then_branch").containsEntry("op", "Add")
                    .containsEntry("data", "float_data");
            assertThat(info(c, "else.scale")).containsEntry("subgraph", "if0.else_branch").containsEntry("op", "Mul");
            assertThat(info(c, "f16_int32")).containsEntry("consumers", "0").containsEntry("data", "int32_data");
            assertThat(info(c, "u64")).containsEntry("data", "uint64_data");
            // the main graph's initializers come first, in file order; then the subgraphs'
            List<String> keys = c.tensors().stream().map(TensorEntry::key).toList();
            assertThat(keys.get(0)).isEqualTo("f16_int32");
            assertThat(keys.subList(keys.size() - 2, keys.size())).containsExactly("else.scale", "then.offset");
        }
    }

    @Test
    void metadataAndWarningsSayWhatTheModelIsAndWhatIsNotListed() throws Exception {
        try (Checkpoint c = open(FIXTURES.resolve("typed_data.onnx"))) {
            assertThat(c.metadata()).containsEntry("ir_version", "8").containsEntry("producer_name", "weightbench-fixtures")
                    .containsEntry("doc_string", "typed-data initializers").containsEntry("metadata_props.purpose", "test")
                    .containsEntry("graph_name", "typed").containsEntry("nodes", "6").containsEntry("subgraphs", "2")
                    .containsEntry("initializers", "30").containsKey("opset_import");
            assertThat(c.warnings()).hasSize(2);
            assertThat(c.warnings().get(0)).contains("3 initializers are not listed", "'labels' (string)",
                    "'f8e4m3fnuz' (float8e4m3fnuz)", "'int4_packed' (int4)");
            assertThat(c.warnings().get(1)).contains("1 sparse initializer", "'sparse.values' [3, 4]");
        }
    }

    @Test
    void externalDataIsReadFromItsFileBesideTheModel() throws Exception {
        try (Checkpoint c = open(FIXTURES.resolve("external/model.onnx"))) {
            assertThat(info(c, "fc.weight")).containsEntry("data", "external").containsEntry("location", "weights.bin")
                    .containsKey("offset");
            assertThat(info(c, "conv.bias")).containsEntry("data", "raw_data");
            assertThat(c.inputs()).extracting(p -> p.getFileName().toString()).containsExactly("model.onnx", "weights.bin");
            assertThat(c.metadata()).containsEntry("external_data", "weights.bin");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "external_dotdot.onnx | '../outside.bin', a path with '..'",
            "external_dotdot_inside.onnx | 'sub/../data.bin', a path with '..'",
            "external_absolute.onnx | '/etc/passwd', an absolute path",
            "external_missing.onnx | 'nothere.bin', which is not in",
            "external_offset_past_end.onnx | offset 4096, past the end of 'data.bin' (32 bytes)",
            "external_runs_past_end.onnx | offset 24 of 16 bytes, which runs past the end of 'data.bin'",
            "external_length_mismatch.onnx | 12 bytes of external data but its shape and type need 16",
            "external_bad_offset.onnx | offset that is not a non-negative integer ('-8')",
            "external_no_location.onnx | external data without a location",
            "huge_dims.onnx | impossibly large shape [1099511627776, 1099511627776]",
            "negative_dim.onnx | negative dimension in its shape [-1, 4]",
            "raw_size_mismatch.onnx | 32 bytes of raw_data but float32[3, 3] needs 36",
            "typed_count_mismatch.onnx | 2 values in int64_data but its shape needs 3",
            "no_values.onnx | has no values: neither raw_data nor float_data",
            "bad_varint.onnx | malformed int64_data",
            "raw_past_end.onnx | claims 1073741824 bytes, past the end of its message",
            "unknown_location.onnx | unknown data_location 7",
            "truncated.onnx | (truncated or corrupt)",
            "deep_nesting.onnx | subgraphs are nested more than 32 deep",
            "group.onnx | ONNX files never use groups",
    })
    void malformedAndHostileFilesAreRefusedInOneLine(String name, String problem) {
        Path file = FIXTURES.resolve("hostile").resolve(name.trim());
        assertThatThrownBy(() -> open(file).close())
                .isInstanceOf(CheckpointException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith(file.toString()).contains(problem.trim()).doesNotContain("\n"));
    }

    @Test
    void externalDataThroughALinkOutOfTheFolderIsRefused(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.copy(FIXTURES.resolve("hostile/data.bin"), outside.resolve("data.bin"));
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.copy(FIXTURES.resolve("hostile/external_ok.onnx"), model.resolve("m.onnx"));
        Files.createSymbolicLink(model.resolve("data.bin"), outside.resolve("data.bin"));
        assertThatThrownBy(() -> open(model.resolve("m.onnx")).close())
                .hasMessageContaining("initializer 'w' has external data that refers to 'data.bin', a link to a file outside its folder");
        // the same bytes inside the folder are read
        Files.delete(model.resolve("data.bin"));
        Files.copy(outside.resolve("data.bin"), model.resolve("data.bin"));
        try (Checkpoint c = open(model.resolve("m.onnx"))) {
            assertThat(CanonicalBytes.toArray(c.tensors().get(0).data())).hasSize(24);
        }
    }

    @Test
    void anInitializerNameUsedAgainKeepsEveryTensor(@TempDir Path tmp) throws Exception {
        byte[][] three = new byte[3][];
        for (int i = 0; i < 3; i++) {
            three[i] = TensorProto.newBuilder().setName("w").setDataType(1).addDims(1).addFloatData(i).build().toByteArray();
        }
        Path f = tmp.resolve("dup.onnx");
        Files.write(f, OnnxBytes.model(three));
        try (Checkpoint c = open(f)) {
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("w", "w#2", "w#3");
            assertThat(c.warnings()).containsExactly("2 initializers reuse the name of an earlier one and are listed as 'w#2', 'w#3'");
        }
    }

    /** Many initializers of one name: linear time, and one warning naming a few. */
    @Test
    void aHundredThousandEqualNamesAreListedInLinearTime(@TempDir Path tmp) throws Exception {
        int n = 100_000;
        byte[] one = OnnxBytes.field(5, TensorProto.newBuilder().setName("x").setDataType(1).addFloatData(1f).build().toByteArray());
        byte[] graph = new byte[one.length * n];
        for (int i = 0; i < n; i++) System.arraycopy(one, 0, graph, i * one.length, one.length);
        Path f = tmp.resolve("same.onnx");
        Files.write(f, OnnxBytes.concat(OnnxBytes.varintField(1, 8), OnnxBytes.field(7, graph)));
        long t0 = System.nanoTime();
        try (Checkpoint c = open(f)) {
            System.out.println("ONNX: " + n + " initializers of one name opened in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(c.tensors()).hasSize(n);
            assertThat(c.tensors().get(n - 1).key()).isEqualTo("x#" + n);
            assertThat(c.warnings()).hasSize(1);
            assertThat(c.warnings().get(0)).startsWith((n - 1) + " initializers reuse the name").endsWith("'x#11', ...");
        }
    }

    @Test
    void varintValuesBeyondTheDecodingBoundAreNotListedButNamed(@TempDir Path tmp) throws Exception {
        int n = (int) (OnnxReader.MAX_DECODED / 8) + 1; // int64 zeros: one byte each in the file, eight when decoded
        byte[] big = OnnxBytes.concat(OnnxBytes.header("big", 7, n), OnnxBytes.field(7, new byte[n]));
        byte[] small = OnnxBytes.concat(OnnxBytes.header("small", 7, 2), OnnxBytes.field(7, new byte[] {3, 4}));
        Path f = tmp.resolve("budget.onnx");
        Files.write(f, OnnxBytes.model(big, small));
        try (Checkpoint c = open(f)) {
            assertThat(c.tensors()).extracting(TensorEntry::key).containsExactly("small");
            assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("'big' (" + 8L * n + " bytes)", "64 MiB"));
            assertThat(CanonicalBytes.toArray(c.tensors().get(0).data()))
                    .isEqualTo(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(4).array());
        }
    }

    /**
     * A 1.9 GB raw_data tensor (a sparse file: no disk space) lists without being read, and its last
     * value is where the protobuf says.
     */
    @Test
    void aModelNearTheProtobufLimitListsWithoutReadingItsValues(@TempDir Path tmp) throws Exception {
        long numel = 475_000_000L; // float32: 1.9 GB
        long nbytes = numel * 4;
        byte[] header = OnnxBytes.header("huge", 1, 1000, numel / 1000);
        byte[] rawPrefix = OnnxBytes.lengthPrefix(9, nbytes);
        long tensorLen = header.length + rawPrefix.length + nbytes;
        byte[] initPrefix = OnnxBytes.lengthPrefix(5, tensorLen);
        long graphLen = initPrefix.length + tensorLen;
        byte[] head = OnnxBytes.concat(OnnxBytes.varintField(1, 8), OnnxBytes.lengthPrefix(7, graphLen), initPrefix, header, rawPrefix);
        Path f = tmp.resolve("huge.onnx");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(head.length + nbytes);
            raf.seek(head.length + nbytes - 4);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7.5f).array());
        }
        long t0 = System.nanoTime();
        try (Checkpoint c = open(f)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("ONNX: opened a " + (head.length + nbytes) + "-byte model in " + ms + " ms");
            TensorEntry t = c.tensors().get(0);
            assertThat(t.data().shape()).containsExactly(1000, numel / 1000);
            byte[] last = new byte[4];
            t.data().storage().bytes().read(nbytes - 4, last, 0, 4);
            assertThat(ByteBuffer.wrap(last).order(ByteOrder.LITTLE_ENDIAN).getFloat()).isEqualTo(7.5f);
            assertThat(ms).isLessThan(2000);
        }
    }

    /** External data is not bound by protobuf's 2 GiB: a tensor 2.5 GiB into its data file. */
    @Test
    void externalDataBeyondTwoGigabytesIsSliced(@TempDir Path tmp) throws Exception {
        long offset = 2_684_354_560L;
        Path data = tmp.resolve("w.bin");
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.setLength(offset + 4096);
            raf.seek(offset);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(-3f).array());
        }
        TensorProto t = TensorProto.newBuilder().setName("far").setDataType(1).addDims(2)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("8"))
                .setDataLocation(TensorProto.DataLocation.EXTERNAL_VALUE).build();
        Path f = tmp.resolve("m.onnx");
        Files.write(f, OnnxBytes.model(t.toByteArray()));
        try (Checkpoint c = open(f)) {
            byte[] bytes = CanonicalBytes.toArray(c.tensors().get(0).data());
            assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat(4)).isEqualTo(-3f);
            assertThat(info(c, "far")).containsEntry("offset", Long.toString(offset));
        }
    }

    @Test
    void everyOnnxFileIsRecognised() throws Exception {
        List<Path> onnx = new ArrayList<>(OnnxTruthTest.corpusFiles(TestFiles.crossframework()));
        onnx.add(FIXTURES.resolve("cnn_bn_linear_training.onnx"));
        onnx.add(FIXTURES.resolve("typed_data.onnx"));
        onnx.add(FIXTURES.resolve("wire_variants.onnx"));
        onnx.add(FIXTURES.resolve("hostile/truncated.onnx"));
        for (Path p : onnx) assertThat(recognised(p)).as(p.toString()).isTrue();
    }

    /** Files of every other format here (torch, safetensors, numpy, pickles, GGUF, HDF5, TF protobufs and tables, ...) are not claimed. */
    @Test
    void noOtherFormatIsTakenForOnnx() throws Exception {
        List<Path> others = new ArrayList<>();
        others.addAll(files(TestFiles.crossframework()));
        others.addAll(files(Path.of("src", "test", "resources")));
        others.addAll(files(Path.of("samples")));
        others.removeIf(p -> p.toString().endsWith(".onnx") || p.toString().contains("OnnxFuzzTestInputs"));
        assertThat(others).hasSizeGreaterThan(50);
        for (Path p : others) assertThat(recognised(p)).as(p.toString()).isFalse();
        System.out.println("ONNX probe: none of " + others.size() + " files of other formats claimed");
    }

    @Test
    void noRealWorldCheckpointIsTakenForOnnx() throws Exception {
        List<Path> others = files(TestFiles.realworld());
        for (Path p : others) assertThat(recognised(p)).as(p.toString()).isFalse();
    }

    /** Random bytes, even when they start the way ONNX does (ir_version as field 1), are not claimed. */
    @Test
    void randomBytesAreNotTakenForOnnx() throws Exception {
        Random rnd = new Random(42);
        int claimed = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[8 + rnd.nextInt(256)];
            rnd.nextBytes(b);
            if (i % 2 == 0) {
                b[0] = 0x08;
                b[1] = (byte) (1 + rnd.nextInt(12));
            }
            if (ModelLayout.recognise(ByteSource.of(b), b).isPresent()) claimed++;
        }
        assertThat(claimed).isZero();
    }

    private static boolean recognised(Path p) throws IOException {
        if (Files.size(p) == 0) return false;
        try (MappedFile f = new MappedFile(p)) {
            byte[] head = new byte[(int) Math.min(4096, f.size())];
            f.read(0, head, 0, head.length);
            return ModelLayout.recognise(f, head).isPresent();
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
