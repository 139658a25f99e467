package io.weightbench.stats;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.ElementReader;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.LongStream;

/**
 * A tensor's values, chunk by chunk, folded into a result: contiguous little-endian float tensors
 * are read straight from their file in 1 MiB chunks on every core (each chunk folded into a partial
 * result, partials merged); everything else goes through {@link ElementReader} in order. Reports
 * bytes to a {@link Progress} per chunk, which is also where a cancel takes effect.
 */
final class ValueChunks {

    static final int CHUNK_BYTES = 1 << 20;
    private static final float[] HALF = new float[65536];
    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN));
    private static final ThreadLocal<double[]> VALUES = ThreadLocal.withInitial(() -> new double[CHUNK_BYTES / 2]);
    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[CHUNK_BYTES / 2]);

    static {
        for (int i = 0; i < 65536; i++) HALF[i] = (float) ElementDecoder.halfToDouble((short) i);
    }

    /** How chunks of values become a result. */
    interface Folder<R> {
        R empty();

        /** Folds {@code n} values into a new partial result. */
        R chunk(double[] values, int n);

        R merge(R a, R b);
    }

    private ValueChunks() {}

    /** This thread's 1 MiB direct buffer for reading raw chunks. */
    static ByteBuffer buffer() {
        return BUFFERS.get();
    }

    /** Whether a tensor's bytes can be read in parallel raw chunks. */
    static boolean parallel(TensorData t) {
        DType d = t.dtype();
        return t.quantization().isEmpty() && t.isContiguous() && t.storage().order() == ByteOrder.LITTLE_ENDIAN
                && (d == DType.FLOAT32 || d == DType.FLOAT64 || d == DType.FLOAT16 || d == DType.BFLOAT16);
    }

    static <R> R fold(TensorData t, Progress progress, Folder<R> folder) throws IOException {
        if (parallel(t)) return foldRaw(t, progress, (buf, dtype) -> {
            int n = buf.remaining() / dtype.itemSize();
            double[] v = VALUES.get();
            decode(buf, n, dtype, v);
            return folder.chunk(v, n);
        }, folder::merge, folder.empty());
        R result = folder.empty();
        ElementReader r = new ElementReader(t);
        int chunk = (int) Math.min(TensorStats.CHUNK, Math.max(1, t.numel()));
        double[] buf = new double[chunk];
        for (long s = 0; s < t.numel(); s += chunk) {
            int n = (int) Math.min(chunk, t.numel() - s);
            r.read(s, buf, n);
            result = folder.merge(result, folder.chunk(buf, n));
            progress.worked(t.numel() == 0 ? 0 : (long) ((double) n / t.numel() * t.nbytes()));
        }
        return result;
    }

    /** A chunk of raw little-endian bytes (position to limit) of the given dtype, into a partial result. */
    interface RawChunk<R> {
        R chunk(ByteBuffer bytes, DType dtype);
    }

    /**
     * Reads a {@link #parallel} tensor's bytes in 1 MiB chunks on every core, each folded by {@code
     * chunk}; the partials are merged in chunk order, so the result does not depend on how many
     * cores took part (nor on whether {@link HeldFloats} read the tensor instead).
     */
    static <R> R foldRaw(TensorData t, Progress progress, RawChunk<R> chunk, java.util.function.BinaryOperator<R> merge, R empty) throws IOException {
        int item = t.dtype().itemSize();
        long total = t.nbytes();
        long chunks = (total + CHUNK_BYTES - 1) / CHUNK_BYTES;
        long base = t.byteOffset();
        ByteSource src = t.storage().bytes();
        LongStream range = LongStream.range(0, chunks);
        if (chunks > 1) range = range.parallel();
        try {
            return range.mapToObj(c -> {
                int length = (int) Math.min(CHUNK_BYTES, total - c * CHUNK_BYTES);
                ByteBuffer buf = buffer();
                buf.clear().limit(length);
                try {
                    src.readInto(base + c * CHUNK_BYTES, buf);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                buf.flip();
                R r = chunk.chunk(buf, t.dtype());
                progress.worked(length);
                return r;
            }).toList().stream().reduce(empty, merge);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A chunk of float32, float16 or bfloat16 values (position to limit) as floats, in this thread's array (valid until its next call). */
    static float[] floats(ByteBuffer b, DType dtype) {
        float[] f = FLOATS.get();
        floats(b, b.remaining() / dtype.itemSize(), dtype, f, 0);
        return f;
    }

    /** Decodes {@code n} float32, float16 or bfloat16 values (little-endian, from the buffer's position) into {@code out[at..]}. */
    static void floats(ByteBuffer b, int n, DType dtype, float[] out, int at) {
        int p = b.position();
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().get(out, at, n); // one bulk copy: element-wise access to a direct buffer costs a check per call
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) out[at + i] = HALF[b.getShort(p + (i << 1)) & 0xffff];
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) out[at + i] = Float.intBitsToFloat((b.getShort(p + (i << 1)) & 0xffff) << 16);
            }
            default -> throw new IllegalArgumentException(dtype + " values are not floats");
        }
    }

    static void decode(ByteBuffer b, int n, DType dtype, double[] out) {
        switch (dtype) {
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) out[i] = b.getFloat(i << 2);
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) out[i] = b.getDouble(i << 3);
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) out[i] = HALF[b.getShort(i << 1) & 0xffff];
            }
            default -> {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(i << 1) & 0xffff) << 16);
            }
        }
    }
}
