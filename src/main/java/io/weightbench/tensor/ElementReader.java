package io.weightbench.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Pull-style decoding: fills a {@code double[]} with the tensor's elements {@code [start, start+n)}
 * in row-major order (quantized dequantized, complex as magnitude, as {@link ElementDecoder}), so
 * that two tensors can be walked side by side (diffs). Contiguous tensors are read in one piece.
 */
public final class ElementReader {

    private final TensorData t;
    private final int item;
    private final boolean contiguous;
    private final ElementDecoder.Dequantizer dequantizer;
    private byte[] buf = new byte[0];

    public ElementReader(TensorData t) throws IOException {
        this.t = t;
        this.item = t.dtype().itemSize();
        this.contiguous = t.isContiguous();
        t.requireReadableView();
        this.dequantizer = t.quantization().isPresent() ? new ElementDecoder.Dequantizer(t) : null;
    }

    public void read(long start, double[] dst, int n) throws IOException {
        if (start < 0 || n < 0 || start + n > t.numel()) throw new IOException("elements [" + start + ", " + (start + n) + ") of " + t);
        if (t.dtype().isBlockQuantized()) {
            readBlocks(start, dst, n);
            return;
        }
        int bytes = n * item;
        if (buf.length < bytes) buf = new byte[bytes];
        ByteSource src = t.storage().bytes();
        if (contiguous) {
            src.read((t.storageOffset() + start) * item, buf, 0, bytes);
        } else {
            long[] shape = t.shape();
            long[] strides = t.strides();
            long[] index = new long[shape.length];
            long rest = start;
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            for (int e = 0; e < n; e++) {
                long off = t.storageOffset();
                for (int d = 0; d < shape.length; d++) off += index[d] * strides[d];
                src.read(off * item, buf, e * item, item);
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++index[d] < shape[d]) break;
                    index[d] = 0;
                }
            }
        }
        if (t.storage().order() == ByteOrder.BIG_ENDIAN && t.dtype().swapUnit() > 1) CanonicalBytes.swapInPlace(buf, bytes, t.dtype().swapUnit());
        ByteBuffer b = ByteBuffer.wrap(buf, 0, bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int e = 0; e < n; e++) {
            double v = ElementDecoder.decode(t.dtype(), b, e * item);
            dst[e] = dequantizer == null ? v : dequantizer.apply(start + e, v);
        }
    }

    private float[] floats = new float[0];

    /** Values of a block-quantized (always contiguous) tensor: the blocks that hold them, dequantized. */
    private void readBlocks(long start, double[] dst, int n) throws IOException {
        if (n == 0) return;
        int per = t.dtype().blockSize();
        long first = start / per;
        long last = (start + n - 1) / per;
        int blocks = (int) (last - first + 1);
        int bytes = Math.multiplyExact(blocks, item);
        if (buf.length < bytes) buf = new byte[bytes];
        if (floats.length < blocks * per) floats = new float[blocks * per];
        t.storage().bytes().read(t.byteOffset() + first * item, buf, 0, bytes);
        BlockQuant.toFloat(t.dtype(), t.storage().order(), buf, 0, blocks, floats, 0);
        int skip = (int) (start - first * per);
        for (int e = 0; e < n; e++) dst[e] = floats[skip + e];
    }
}
