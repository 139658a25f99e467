package io.weightbench.tensor;

import java.nio.ByteOrder;

/**
 * The bytes behind one or more tensors: {@code numel} elements of {@code dtype}, in {@code order}.
 * Several tensors (views, slices, expands) may share one storage.
 *
 * @param key      the storage's name in its file (zip record, legacy key, safetensors key)
 * @param location where torch had it when saving ({@code cpu}, {@code cuda:0}); informational
 */
public record Storage(String key, DType dtype, long numel, ByteOrder order, String location, ByteSource bytes) {

    public Storage {
        if (numel < 0) throw new IllegalArgumentException("storage " + key + " has negative size " + numel);
        if (numel % dtype.blockSize() != 0) {
            throw new IllegalArgumentException("storage " + key + " holds " + numel + " " + dtype + " values, not a whole number of "
                    + dtype.blockSize() + "-value blocks");
        }
        long need = dtype.bytesFor(numel);
        if (bytes.size() < need) {
            throw new IllegalArgumentException("storage " + key + " holds " + bytes.size() + " bytes but "
                    + numel + " " + dtype + " elements need " + need);
        }
    }

    public long nbytes() { return dtype.bytesFor(numel); }
}
