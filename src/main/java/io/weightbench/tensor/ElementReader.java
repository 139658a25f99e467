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
    private final double[] scales;
    private final double[] zeroPoints;
    private final long inner;
    private final long channels;
    private byte[] buf = new byte[0];

    public ElementReader(TensorData t) throws IOException {
        this.t = t;
        this.item = t.dtype().itemSize();
        this.contiguous = t.isContiguous();
        Quantization q = t.quantization().orElse(null);
        if (q != null && q.isPerChannel()) {
            scales = values(q.scales().orElseThrow());
            zeroPoints = values(q.zeroPoints().orElseThrow());
            long[] shape = t.shape();
            long in = 1;
            for (int i = q.axis() + 1; i < shape.length; i++) in *= shape[i];
            inner = in;
            channels = shape[q.axis()];
        } else {
            scales = null;
            zeroPoints = null;
            inner = 1;
            channels = 1;
        }
    }

    private static double[] values(TensorData t) throws IOException {
        double[] out = new double[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> out[(int) i] = v);
        return out;
    }

    public void read(long start, double[] dst, int n) throws IOException {
        if (start < 0 || n < 0 || start + n > t.numel()) throw new IOException("elements [" + start + ", " + (start + n) + ") of " + t);
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
        Quantization q = t.quantization().orElse(null);
        for (int e = 0; e < n; e++) {
            double v = ElementDecoder.decode(t.dtype(), b, e * item);
            if (q != null) {
                // as torch's dequantize(): (q - zero_point) * scale, stored as float32
                if (scales == null) {
                    v = (float) ((v - q.zeroPoint()) * q.scale());
                } else {
                    int c = (int) (((start + e) / inner) % channels);
                    v = (float) ((v - zeroPoints[c]) * scales[c]);
                }
            }
            dst[e] = v;
        }
    }
}
