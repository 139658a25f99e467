package io.weightbench.tensor;

import java.io.IOException;

/**
 * The bytes of a tensor that has none: a meta-device tensor ({@code device='meta'}) records only
 * dtype, shape and strides. It lists and compares like any tensor; reading it fails, saying why.
 */
public final class NoData implements ByteSource {

    private final long size;
    private final String why;

    public NoData(long size, String why) {
        this.size = size;
        this.why = why;
    }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        throw new IOException(why);
    }

    /** Whether a tensor's bytes are absent (meta tensors): its values cannot be read, hashed or exported. */
    public static boolean holds(TensorData t) {
        return t.storage().bytes() instanceof NoData;
    }
}
