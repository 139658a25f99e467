package io.weightbench.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * A lazy tensor: shape, strides and offset into a {@link Storage} whose bytes are read only when
 * asked for. Views that share a storage (slices, transposes, expands) are each a TensorData over
 * the same Storage.
 */
public final class TensorData {

    private final Storage storage;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long storageOffset;
    private final Optional<Quantization> quantization;

    public TensorData(Storage storage, DType dtype, long[] shape, long[] strides, long storageOffset,
                      Optional<Quantization> quantization) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.storageOffset = storageOffset;
        this.quantization = quantization;
        checkBounds();
    }

    /** A contiguous, row-major tensor over a whole storage region. */
    public static TensorData contiguous(Storage storage, long[] shape) {
        return new TensorData(storage, storage.dtype(), shape, contiguousStrides(shape), 0, Optional.empty());
    }

    public static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s = Math.multiplyExact(s, Math.max(shape[i], 1));
        }
        return strides;
    }

    private void checkBounds() {
        if (storageOffset < 0) throw new IllegalArgumentException("negative storage offset " + storageOffset);
        long last = storageOffset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            if (strides[i] < 0) throw new IllegalArgumentException("negative stride in " + Arrays.toString(strides));
        }
        try {
            if (nbytes() == 0) return;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^63 bytes of elements");
        }
        if (dtype.isBlockQuantized()) {
            int b = dtype.blockSize();
            if (!isContiguous() || storageOffset % b != 0 || shape.length == 0 || shape[shape.length - 1] % b != 0) {
                throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape)
                        + ": its rows must be whole " + b + "-value blocks, stored contiguously");
            }
        }
        for (int i = 0; i < shape.length; i++) {
            last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
        }
        if (last >= storage.numel()) {
            throw new IllegalArgumentException("a view of shape " + Arrays.toString(shape) + ", strides "
                    + Arrays.toString(strides) + " and offset " + storageOffset + " reaches element " + last
                    + " of storage " + storage.key() + ", which holds only " + storage.numel());
        }
    }

    /**
     * A view may name its storage's elements many times over (stride 0, as {@code expand} makes):
     * 16 bytes of storage can stand for 32 GiB. Work over the logical elements (statistics, hashes,
     * exports) is refused above this multiple of the storage, once past {@link #VIEW_ALLOWANCE}.
     * The default; the CLI's {@code --max-view-multiple} and the system property {@value
     * #MULTIPLE_PROPERTY} set another (docs/cli-json.md, "Views larger than their storage").
     */
    public static final long MAX_VIEW_MULTIPLE = 1024;

    /** The system property that sets {@link #maxViewMultiple()} at start (the workbench: {@code JAVA_OPTS=-D...}). */
    public static final String MULTIPLE_PROPERTY = "weightbench.maxViewMultiple";

    /** Logical bytes any view may have, whatever its storage. */
    public static final long VIEW_ALLOWANCE = 1L << 30;

    private static volatile long maxViewMultiple = Long.getLong(MULTIPLE_PROPERTY, MAX_VIEW_MULTIPLE);

    /** The multiple of its storage above which a view's logical elements are not read (0: no limit). */
    public static long maxViewMultiple() { return maxViewMultiple; }

    /** Sets {@link #maxViewMultiple()} for this process (0: no limit); work under it shows progress and can be cancelled. */
    public static void setMaxViewMultiple(long multiple) {
        if (multiple < 0) throw new IllegalArgumentException("the view multiple must be 0 (no limit) or more, not " + multiple);
        maxViewMultiple = multiple;
    }

    /**
     * Refuses to go over this tensor's logical elements when they are over {@link #maxViewMultiple()}
     * times its storage and over {@link #VIEW_ALLOWANCE}: a hostile view, or one nobody could use.
     */
    public void requireReadableView() throws java.io.IOException {
        long logical = nbytes();
        long stored = Math.max(storage.nbytes(), 1);
        long limit = maxViewMultiple;
        if (limit > 0 && logical > VIEW_ALLOWANCE && logical / stored > limit) {
            throw new java.io.IOException("a view of shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides)
                    + " stands for " + logical + " bytes over " + storage.nbytes() + " bytes of storage " + storage.key()
                    + ": over " + limit + " times its storage (and over 1 GiB), not read (a stride-0 view?; --max-view-multiple"
                    + " sets the limit)");
        }
    }

    public Storage storage() { return storage; }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public long[] strides() { return strides.clone(); }

    public int rank() { return shape.length; }

    public long storageOffset() { return storageOffset; }

    public Optional<Quantization> quantization() { return quantization; }

    public long numel() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes of the tensor's logical elements (not of its storage). */
    public long nbytes() { return dtype.bytesFor(numel()); }

    /** Where the tensor's first element starts in its storage's bytes. */
    public long byteOffset() { return dtype.bytesFor(storageOffset); }

    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** A copy of this tensor with another dtype over the same bytes (same item size). */
    public TensorData withDType(DType other) {
        return new TensorData(storage, other, shape, strides, storageOffset, quantization);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
