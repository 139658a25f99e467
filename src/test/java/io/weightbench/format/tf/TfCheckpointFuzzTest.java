package io.weightbench.format.tf;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.format.tf.proto.BundleEntryProto;
import io.weightbench.format.tf.proto.BundleHeaderProto;
import io.weightbench.format.tf.proto.TensorShapeProto;
import io.weightbench.format.tf.proto.TensorSliceProto;
import io.weightbench.format.tf.proto.VersionDef;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Fuzz targets for the TensorFlow checkpoint reader. Any input may be refused, but only with the
 * reader's checked exception: a RuntimeException, an Error or a hang is a finding. {@code mvn test}
 * replays the committed inputs under {@code TfCheckpointFuzzTestInputs/} (the fixtures of
 * {@code scripts/make_tf_fixtures.py}); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class TfCheckpointFuzzTest {

    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("weightbench-tf-fuzz-");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The leveldb table reader and the header probe alone, on raw bytes. */
    @FuzzTest(maxDuration = "5m")
    void table(byte[] data) {
        try {
            LevelDbTable.read(ByteSource.of(data), "the fuzzed table");
            BundleIndex.read(ByteSource.of(data));
        } catch (IOException expected) {
            // refusing bad input is the point
        }
    }

    /**
     * The whole open and read: the input is a 2-byte little-endian length, that many bytes of
     * {@code f.index}, and the rest as its one data shard {@code f.data-00000-of-00001}. Every
     * tensor listed is then hashed and summarised.
     */
    @FuzzTest(maxDuration = "5m")
    void openAndRead(byte[] data) throws IOException {
        int n = data.length < 2 ? 0 : Math.min(data.length - 2, (data[0] & 0xff) | (data[1] & 0xff) << 8);
        int start = Math.min(2, data.length);
        Path index = DIR.resolve("f.index");
        Files.write(index, Arrays.copyOfRange(data, start, start + n));
        Files.write(DIR.resolve("f.data-00000-of-00001"), Arrays.copyOfRange(data, start + n, data.length));
        readAll(index);
    }

    /**
     * The table reader past its block checksums: fuzzed block bodies (entries, restart arrays,
     * Snappy streams) stored with correct trailers, listed by an index block that is either fuzzed
     * too or a sound one naming them.
     */
    @FuzzTest(maxDuration = "5m")
    void blocks(FuzzedDataProvider in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream index = new java.io.ByteArrayOutputStream();
        int n = in.consumeInt(0, 3);
        java.io.ByteArrayOutputStream restarts = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] handle = store(out, in.consumeBytes(in.consumeInt(0, 600)), in.consumeInt(0, 2));
            byte[] key = in.consumeBytes(in.consumeInt(0, 8));
            int32(restarts, index.size());
            TableWriter.varint(index, 0);
            TableWriter.varint(index, key.length);
            TableWriter.varint(index, handle.length);
            index.writeBytes(key);
            index.writeBytes(handle);
        }
        byte[] indexBody;
        if (in.consumeBoolean()) {
            indexBody = in.consumeBytes(in.consumeInt(0, 200));
        } else {
            if (n == 0) int32(restarts, 0);
            index.writeBytes(restarts.toByteArray());
            int32(index, Math.max(n, 1));
            indexBody = index.toByteArray();
        }
        byte[] indexHandle = store(out, indexBody, 0);
        byte[] footer = new byte[48];
        System.arraycopy(indexHandle, 0, footer, 2, indexHandle.length); // metaindex handle 0,0 then the index's
        long magic = LevelDbTable.MAGIC;
        for (int i = 0; i < 8; i++) footer[40 + i] = (byte) (magic >>> (8 * i));
        out.writeBytes(footer);
        try {
            LevelDbTable.read(ByteSource.of(out.toByteArray()), "the fuzzed table");
        } catch (IOException expected) {
            // refusing bad input is the point
        }
    }

    private static byte[] store(java.io.ByteArrayOutputStream out, byte[] body, int type) {
        java.io.ByteArrayOutputStream handle = new java.io.ByteArrayOutputStream();
        TableWriter.varint(handle, out.size());
        TableWriter.varint(handle, body.length);
        out.writeBytes(body);
        out.write(type);
        byte[] withType = Arrays.copyOf(body, body.length + 1);
        withType[body.length] = (byte) type;
        int32(out, MaskedCrc.mask(MaskedCrc.of(withType, 0, withType.length)));
        return handle.toByteArray();
    }

    private static void int32(java.io.ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
    }

    private static final String[] NAMES = {"a", "a/b", "kernel", "v/.ATTRIBUTES/VARIABLE_VALUE", BundleOpener.OBJECT_GRAPH, "x/Adam"};

    /**
     * Past the table's checksums: a valid table (written here) of a fuzzed header and fuzzed but
     * well-formed entries (dtypes, shapes, shards, offsets, sizes, slices, slice keys that name other
     * entries, CRCs made right on request) over a fuzzed data shard, so the fuzzer reaches the
     * entries, strings, object graph and partitioned variables rather than stopping at a checksum.
     */
    @FuzzTest(maxDuration = "5m")
    void bundle(FuzzedDataProvider in) throws IOException {
        byte[] data = in.consumeBytes(in.consumeInt(0, 2048));
        TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
        entries.put(new byte[0], BundleHeaderProto.newBuilder().setNumShards(in.consumeInt(-1, 3))
                .setEndiannessValue(in.consumeInt(0, 2))
                .setVersion(VersionDef.newBuilder().setProducer(in.consumeInt(0, 2)).setMinConsumer(in.consumeInt(0, 2))).build().toByteArray());
        int n = in.consumeInt(0, 12);
        for (int i = 0; i < n; i++) {
            String name = in.consumeBoolean() ? NAMES[in.consumeInt(0, NAMES.length - 1)] : in.consumeString(12);
            BundleEntryProto.Builder e = BundleEntryProto.newBuilder().setDtype(in.consumeInt(-1, 34))
                    .setShardId(in.consumeInt(-1, 2)).setOffset(in.consumeLong(-1, data.length + 8))
                    .setSize(in.consumeLong(-1, data.length + 8));
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().setUnknownRank(in.consumeProbabilityDouble() < 0.02);
            int rank = in.consumeInt(0, 4);
            for (int d = 0; d < rank; d++) shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(in.consumeBoolean() ? in.consumeLong(-1, 8) : in.consumeLong()));
            e.setShape(shape);
            int slices = in.consumeInt(0, 3);
            byte[] key = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int s = 0; s < slices; s++) {
                TensorSliceProto.Builder slice = TensorSliceProto.newBuilder();
                long[] starts = new long[rank];
                long[] lengths = new long[rank];
                for (int d = 0; d < rank; d++) {
                    TensorSliceProto.Extent.Builder x = TensorSliceProto.Extent.newBuilder().setStart(starts[d] = in.consumeLong(-1, 8));
                    lengths[d] = -1;
                    if (in.consumeBoolean()) x.setLength(lengths[d] = in.consumeLong(-1, 8));
                    slice.addExtent(x);
                }
                e.addSlices(slice);
                if (in.consumeBoolean()) key = SliceKeys.encode(name, starts, lengths); // this entry is itself a slice of `name`
            }
            if (in.consumeBoolean() && e.getOffset() >= 0 && e.getSize() >= 0 && e.getOffset() + e.getSize() <= data.length) {
                e.setCrc32C(MaskedCrc.mask(MaskedCrc.of(data, (int) e.getOffset(), (int) e.getSize())));
            } else {
                e.setCrc32C(in.consumeInt());
            }
            if (key.length > 0) entries.put(key, e.build().toByteArray());
        }
        List<LevelDbTable.Entry> list = new ArrayList<>();
        entries.forEach((k, v) -> list.add(new LevelDbTable.Entry(k, v)));
        Path index = DIR.resolve("g.index");
        Files.write(index, TableWriter.table(list));
        Files.write(DIR.resolve("g.data-00000-of-00001"), data);
        Files.write(DIR.resolve("g.data-00000-of-00002"), data);
        Files.write(DIR.resolve("g.data-00001-of-00002"), data);
        readAll(index);
    }

    private static void readAll(Path index) throws IOException {
        try (Checkpoint c = Formats.standard().open(index)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException refused) {
                    // a tensor may be unreadable (a bad checksum); saying so is fine
                }
            }
        } catch (CheckpointException expected) {
            // refusing bad input is the point
        }
    }
}
