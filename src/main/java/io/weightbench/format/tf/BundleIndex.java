package io.weightbench.format.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weightbench.format.FormatException;
import io.weightbench.format.tf.proto.BundleHeaderProto;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint's {@code .index} file as the probe reads it: the table's entries and the header
 * stored under the first key, "". What the opener then builds the tensors from.
 */
record BundleIndex(BundleHeaderProto header, List<LevelDbTable.Entry> entries) {

    /**
     * The index in {@code file}, if it is one: a leveldb table (by its magic number) whose first
     * key is "" and holds a BundleHeaderProto. A table that is corrupt is an error; a sound table
     * that holds something else is not a checkpoint index (empty).
     */
    static Optional<BundleIndex> read(ByteSource file) throws IOException {
        if (!LevelDbTable.hasMagic(file)) return Optional.empty();
        List<LevelDbTable.Entry> entries = LevelDbTable.read(file, "the checkpoint index");
        if (entries.isEmpty() || entries.get(0).key().length != 0) return Optional.empty();
        try {
            return Optional.of(new BundleIndex(BundleHeaderProto.parseFrom(entries.get(0).value()), entries));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    /** Reads an index the user pointed at through a prefix, a folder or a state file: anything else is an error. */
    static BundleIndex require(ByteSource file, String name) throws IOException {
        return read(file).orElseThrow(() -> new FormatException(name + " is not a TensorFlow checkpoint index"));
    }
}
