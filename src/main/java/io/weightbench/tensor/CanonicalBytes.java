package io.weightbench.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Streams a tensor's canonical bytes (DESIGN.md): its logical elements in row-major order,
 * little-endian, in its own dtype, with strides, offsets and shared storages resolved. Memory use
 * is bounded by one buffer, whatever the tensor's size.
 */
public final class CanonicalBytes {

    /** Receives consecutive chunks of canonical bytes; the array is reused after the call returns. */
    @FunctionalInterface
    public interface Sink {
        void accept(byte[] chunk, int length) throws IOException;
    }

    private static final int BUFFER = 1 << 20;

    /** Receives consecutive chunks of canonical bytes as a buffer (position to limit), reused after the call. */
    @FunctionalInterface
    public interface BufferSink {
        void accept(java.nio.ByteBuffer chunk) throws IOException;
    }

    private static final ThreadLocal<java.nio.ByteBuffer> DIRECT = ThreadLocal.withInitial(() -> java.nio.ByteBuffer.allocateDirect(BUFFER));
    /** One buffer per thread: streaming thousands of tensors should not churn the heap. */
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER]);

    private CanonicalBytes() {}

    public static String sha256(TensorData t) throws IOException {
        return sha256(t, Progress.none());
    }

    /** The SHA-256 of the tensor's canonical bytes, each chunk reported to {@code progress} (which can cancel it). */
    public static String sha256(TensorData t, Progress progress) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        stream(t, (chunk, length) -> md.update(chunk, 0, length), progress);
        return HexFormat.of().formatHex(md.digest());
    }

    public static void writeTo(TensorData t, OutputStream out) throws IOException {
        stream(t, (chunk, length) -> out.write(chunk, 0, length));
    }

    /** Reads a whole (small) tensor's canonical bytes into memory; callers bound the size. */
    public static byte[] toArray(TensorData t) throws IOException {
        long n = t.nbytes();
        if (n > Integer.MAX_VALUE - 16) throw new IOException("tensor of " + n + " bytes is too large for one array");
        byte[] all = new byte[(int) n];
        int[] pos = {0};
        stream(t, (chunk, length) -> {
            System.arraycopy(chunk, 0, all, pos[0], length);
            pos[0] += length;
        });
        return all;
    }

    /**
     * Like {@link #stream(TensorData, Sink)}, in buffers: a contiguous little-endian tensor is read
     * straight from its file into a direct buffer and handed on as is (no copy through the heap),
     * which is what exports of large checkpoints spend their time on.
     */
    /**
     * Whether {@link #transferTo} hands the tensor's bytes to the kernel to copy: a contiguous,
     * little-endian tensor stored in a region of a file.
     */
    public static boolean kernelCopies(TensorData t) {
        boolean swap = t.storage().order() == ByteOrder.BIG_ENDIAN && t.dtype().swapUnit() > 1;
        return t.isContiguous() && !swap && t.storage().bytes().kernelCopies();
    }

    /** Writes the tensor's canonical bytes to {@code target} at its position: copied by the kernel where {@link #kernelCopies} allows. */
    public static void transferTo(TensorData t, java.nio.channels.FileChannel target) throws IOException {
        if (kernelCopies(t)) {
            if (t.numel() > 0) t.storage().bytes().transferTo(t.byteOffset(), t.nbytes(), target);
            return;
        }
        streamBuffers(t, b -> {
            while (b.hasRemaining()) target.write(b);
        });
    }

    public static void streamBuffers(TensorData t, BufferSink sink) throws IOException {
        streamBuffers(t, sink, Progress.none());
    }

    /** {@link #streamBuffers(TensorData, BufferSink)}, each chunk reported to {@code progress} (which can cancel it). */
    public static void streamBuffers(TensorData t, BufferSink sink, Progress progress) throws IOException {
        boolean swap = t.storage().order() == ByteOrder.BIG_ENDIAN && t.dtype().swapUnit() > 1;
        if (!t.isContiguous() || swap) {
            stream(t, (chunk, n) -> sink.accept(java.nio.ByteBuffer.wrap(chunk, 0, n)), progress);
            return;
        }
        java.nio.ByteBuffer buf = DIRECT.get();
        DIRECT.set(null);
        if (buf == null) buf = java.nio.ByteBuffer.allocateDirect(BUFFER);
        try {
            long pos = t.byteOffset();
            long remaining = t.nbytes();
            ByteSource src = t.storage().bytes();
            while (remaining > 0) {
                int n = (int) Math.min(remaining, buf.capacity());
                buf.clear().limit(n);
                src.readInto(pos, buf);
                buf.flip();
                sink.accept(buf);
                progress.worked(n);
                pos += n;
                remaining -= n;
            }
        } finally {
            DIRECT.set(buf);
        }
    }

    public static void stream(TensorData t, Sink sink) throws IOException {
        stream(t, sink, Progress.none());
    }

    /**
     * The tensor's canonical bytes in chunks, each reported to {@code progress} once handed on: a
     * view larger than its storage (stride 0) is long work in logical bytes, shown and cancellable
     * like any other ({@link Progress#worked} throws once cancelled).
     */
    public static void stream(TensorData t, Sink sink, Progress progress) throws IOException {
        if (t.numel() == 0) return;
        t.requireReadableView();
        if (progress != Progress.none()) {
            Sink inner = sink;
            sink = (chunk, length) -> {
                inner.accept(chunk, length);
                progress.worked(length);
            };
        }
        byte[] shared = BUFFERS.get();
        BUFFERS.set(null); // a sink that streams another tensor meanwhile gets a buffer of its own
        byte[] buf = shared != null ? shared : new byte[BUFFER];
        try {
            stream(t, sink, buf);
        } finally {
            if (shared != null) BUFFERS.set(shared);
        }
    }

    private static void stream(TensorData t, Sink sink, byte[] buffer) throws IOException {
        if (t.dtype().isBlockQuantized()) {
            streamBlocks(t, sink, buffer);
            return;
        }
        int item = t.dtype().itemSize();
        Storage storage = t.storage();
        ByteSource src = storage.bytes();
        boolean swap = storage.order() == ByteOrder.BIG_ENDIAN && t.dtype().swapUnit() > 1;
        long[] shape = t.shape();
        long[] strides = t.strides();
        int rank = shape.length;

        // The innermost run of dimensions that is laid out contiguously can be copied in bulk.
        int inner = rank;
        long run = 1;
        while (inner > 0 && (shape[inner - 1] == 1 || strides[inner - 1] == run)) {
            run *= shape[inner - 1];
            inner--;
        }
        long runBytes = run * item;
        // A multiple of the item size, so byte swapping never splits an element.
        int capacity = (int) Math.min((buffer.length / item) * item, t.nbytes());
        int fill = 0;

        long[] index = new long[inner];
        long outer = 1;
        for (int i = 0; i < inner; i++) outer *= shape[i];
        long base = t.storageOffset();
        for (long o = 0; o < outer; o++) {
            long elementOffset = base;
            for (int i = 0; i < inner; i++) elementOffset += index[i] * strides[i];
            long pos = elementOffset * item;
            long remaining = runBytes;
            while (remaining > 0) {
                if (fill == capacity) {
                    emit(sink, buffer, fill, swap, t.dtype());
                    fill = 0;
                }
                int n = (int) Math.min(remaining, capacity - fill);
                src.read(pos, buffer, fill, n);
                fill += n;
                pos += n;
                remaining -= n;
            }
            for (int i = inner - 1; i >= 0; i--) {
                if (++index[i] < shape[i]) break;
                index[i] = 0;
            }
        }
        if (fill > 0) emit(sink, buffer, fill, swap, t.dtype());
    }

    /** A block-quantized tensor's canonical bytes are its stored blocks (always contiguous), in whole blocks per chunk. */
    private static void streamBlocks(TensorData t, Sink sink, byte[] buffer) throws IOException {
        int item = t.dtype().itemSize();
        int capacity = (buffer.length / item) * item;
        ByteSource src = t.storage().bytes();
        long pos = t.byteOffset();
        long remaining = t.nbytes();
        while (remaining > 0) {
            int n = (int) Math.min(remaining, capacity);
            src.read(pos, buffer, 0, n);
            sink.accept(buffer, n);
            pos += n;
            remaining -= n;
        }
    }

    private static void emit(Sink sink, byte[] buf, int length, boolean swap, DType dtype) throws IOException {
        if (swap) swapInPlace(buf, length, dtype.swapUnit());
        sink.accept(buf, length);
    }

    static void swapInPlace(byte[] b, int length, int unit) {
        for (int i = 0; i + unit <= length; i += unit) {
            for (int a = i, z = i + unit - 1; a < z; a++, z--) {
                byte tmp = b[a];
                b[a] = b[z];
                b[z] = tmp;
            }
        }
    }
}
