package io.weightbench.rules;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The data primitives tensor rules are made of: new tensors written in bounded memory (in memory
 * when small, else a temporary file), dtype conversion chunk by chunk (lazily, while the tensor is
 * read, for a contiguous source), and concatenation along a dimension (which also gives flips and
 * block reorders).
 */
final class TensorBytes {

    static final long IN_MEMORY = 64L * 1024 * 1024;

    private TensorBytes() {}

    /** Writes a new tensor's canonical bytes. */
    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** A contiguous tensor of {@code dtype} and {@code shape} whose bytes {@code writer} produces, in memory or a temporary file. */
    static TensorData build(String name, DType dtype, long[] shape, Writer writer) throws IOException {
        long numel = 1;
        for (long d : shape) numel = Math.multiplyExact(numel, d);
        long bytes = dtype.bytesFor(numel);
        boolean small = bytes <= IN_MEMORY;
        ByteArrayOutputStream mem = small ? new ByteArrayOutputStream((int) bytes) : null;
        Path tmp = small ? null : Files.createTempFile("weightbench-" + name + "-", ".bin");
        if (tmp != null) tmp.toFile().deleteOnExit();
        try (OutputStream out = small ? mem : new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            writer.write(out);
        }
        ByteSource src = small ? ByteSource.of(mem.toByteArray()) : new MappedFile(tmp);
        if (src.size() != bytes) throw new IOException(name + ": wrote " + src.size() + " bytes, expected " + bytes);
        return TensorData.contiguous(new Storage(name, dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", src), shape);
    }

    /** The tensor's values, contiguous, in {@code target}. */
    static TensorData materialize(TensorData t, DType target) throws IOException {
        if (target == t.dtype()) return build("copy", target, t.shape(), out -> CanonicalBytes.writeTo(t, out));
        return build("converted", target, t.shape(), out -> convert(t, target, out));
    }

    /**
     * torch's {@code .to(dtype)}. A contiguous, little-endian, unquantized source is converted
     * lazily as it is read (no copy of the whole tensor, no temporary file): what makes a cast rule
     * in an export cost about one pass over the data.
     */
    static TensorData cast(TensorData t, DType target) throws IOException {
        if (target == t.dtype()) return t;
        boolean lazy = t.isContiguous() && t.storage().order() == ByteOrder.LITTLE_ENDIAN && t.quantization().isEmpty()
                && !t.dtype().isBlockQuantized() && !t.dtype().isComplex() && t.numel() > 0;
        if (!lazy) return materialize(t, target);
        ByteSource region = t.storage().bytes().slice(t.byteOffset(), t.nbytes());
        ByteSource converted = new CastSource(region, t.dtype(), target, t.numel());
        return TensorData.contiguous(new Storage("cast", target, t.numel(), ByteOrder.LITTLE_ENDIAN, "cpu", converted), t.shape());
    }

    /** The parts joined along {@code dim} (torch's {@code cat}); their other dimensions must agree (checked by the caller). */
    static TensorData concat(List<TensorData> parts, int dim) throws IOException {
        TensorData first = parts.get(0);
        long[] shape = first.shape();
        long total = 0;
        for (TensorData p : parts) total += p.shape()[dim];
        shape[dim] = total;
        long outer = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        long outerCount = outer;
        return build("joined", first.dtype(), shape, out -> {
            for (long o = 0; o < outerCount; o++) {
                for (TensorData p : parts) CanonicalBytes.writeTo(outerSlab(p, dim, o), out);
            }
        });
    }

    /** The part of {@code t} at linear index {@code o} over its dimensions before {@code dim} (a view). */
    static TensorData outerSlab(TensorData t, int dim, long o) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        long offset = t.storageOffset();
        for (int i = dim - 1; i >= 0; i--) {
            offset += (o % shape[i]) * strides[i];
            o /= shape[i];
        }
        long[] s = java.util.Arrays.copyOfRange(shape, dim, shape.length);
        long[] st = java.util.Arrays.copyOfRange(strides, dim, strides.length);
        return new TensorData(t.storage(), t.dtype(), s, st, offset, Optional.empty());
    }

    /** {@code t} narrowed to {@code [start, start + length)} along {@code dim} (a view). */
    static TensorData narrow(TensorData t, int dim, long start, long length) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        long offset = t.storageOffset() + start * strides[dim];
        shape[dim] = length;
        return new TensorData(t.storage(), t.dtype(), shape, strides, offset, t.quantization());
    }

    // ---- dtype conversion, chunk by chunk ----

    private static void convert(TensorData t, DType target, OutputStream out) throws IOException {
        if (t.quantization().isPresent() || t.dtype().isBlockQuantized()) {
            // dequantized values, one at a time: quantized tensors are small or rare
            byte[] buf = new byte[1 << 16];
            int item = target.itemSize();
            int[] fill = {0};
            IOException[] failure = new IOException[1];
            ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            ElementDecoder.forEach(t, (i, v) -> {
                if (failure[0] != null) return;
                encode(b, fill[0], target, v);
                fill[0] += item;
                if (fill[0] + item > buf.length) {
                    try {
                        out.write(buf, 0, fill[0]);
                    } catch (IOException e) {
                        failure[0] = e;
                    }
                    fill[0] = 0;
                }
            });
            if (failure[0] != null) throw failure[0];
            out.write(buf, 0, fill[0]);
            return;
        }
        int inItem = t.dtype().itemSize();
        int outItem = target.itemSize();
        byte[][] outBuf = {new byte[0]};
        CanonicalBytes.stream(t, (chunk, n) -> {
            int count = n / inItem;
            if (outBuf[0].length < count * outItem) outBuf[0] = new byte[count * outItem];
            convert(t.dtype(), chunk, 0, count, target, outBuf[0], 0);
            out.write(outBuf[0], 0, count * outItem);
        });
    }

    private static boolean integral(DType d) {
        return !d.isFloatingPoint() && d != DType.BOOL && !d.isQuantized() && !d.isBlockQuantized() && !d.isComplex();
    }

    /** Converts {@code count} little-endian elements of {@code from} in {@code in} into {@code to} in {@code out}. */
    static void convert(DType from, byte[] in, int inOff, int count, DType to, byte[] out, int outOff) {
        ByteBuffer src = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int inItem = from.itemSize();
        int outItem = to.itemSize();
        if (from == DType.FLOAT32 && to == DType.FLOAT16) {
            for (int i = 0; i < count; i++) dst.putShort(outOff + 2 * i, floatToHalf(src.getFloat(inOff + 4 * i)));
        } else if (from == DType.FLOAT32 && to == DType.BFLOAT16) {
            for (int i = 0; i < count; i++) dst.putShort(outOff + 2 * i, floatToBfloat16(src.getFloat(inOff + 4 * i)));
        } else if (from == DType.FLOAT16 && to == DType.FLOAT32) {
            for (int i = 0; i < count; i++) dst.putFloat(outOff + 4 * i, halfToFloat(src.getShort(inOff + 2 * i)));
        } else if (from == DType.BFLOAT16 && to == DType.FLOAT32) {
            for (int i = 0; i < count; i++) dst.putInt(outOff + 4 * i, (src.getShort(inOff + 2 * i) & 0xffff) << 16);
        } else if (integral(from) && integral(to)) {
            // integer to integer: exact, wrapping like C++'s casts (no trip through double)
            for (int i = 0; i < count; i++) encodeLong(dst, outOff + i * outItem, to, decodeLong(src, inOff + i * inItem, from));
        } else {
            for (int i = 0; i < count; i++) encode(dst, outOff + i * outItem, to, ElementDecoder.decode(from, src, inOff + i * inItem));
        }
    }

    private static long decodeLong(ByteBuffer b, int p, DType d) {
        return switch (d) {
            case INT64, UINT64 -> b.getLong(p);
            case INT32 -> b.getInt(p);
            case UINT32 -> b.getInt(p) & 0xffffffffL;
            case INT16 -> b.getShort(p);
            case UINT16 -> b.getShort(p) & 0xffff;
            case INT8 -> b.get(p);
            default -> b.get(p) & 0xff;
        };
    }

    private static void encodeLong(ByteBuffer b, int p, DType target, long v) {
        switch (target) {
            case INT64, UINT64 -> b.putLong(p, v);
            case INT32, UINT32 -> b.putInt(p, (int) v);
            case INT16, UINT16 -> b.putShort(p, (short) v);
            default -> b.put(p, (byte) v);
        }
    }

    static void encode(ByteBuffer b, int p, DType target, double v) {
        switch (target) {
            case FLOAT64 -> b.putDouble(p, v);
            case FLOAT32 -> b.putFloat(p, (float) v);
            case FLOAT16 -> b.putShort(p, floatToHalf((float) v));
            case BFLOAT16 -> b.putShort(p, floatToBfloat16((float) v));
            case BOOL -> b.put(p, (byte) (v != 0 ? 1 : 0));
            case INT64, UINT64 -> b.putLong(p, (long) v);
            case INT32, UINT32 -> b.putInt(p, (int) (long) v);
            case INT16, UINT16 -> b.putShort(p, (short) (long) v);
            case INT8, UINT8 -> b.put(p, (byte) (long) v);
            default -> throw new IllegalArgumentException("cannot encode " + target);
        }
    }

    /** IEEE binary16 to float, exactly (every half is a float). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** IEEE binary16, round to nearest even (what torch's {@code .half()} does). */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = bits & 0x7fffffff;
        if (val >= 0x7f800000) return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 | ((val >>> 13) & 0x3ff) : 0));
        if (val >= 0x477ff000) return (short) (sign | 0x7c00);
        if (val < 0x38800000) {
            if (val < 0x33000000) return (short) sign;
            int exp = val >>> 23;
            int mant = (val & 0x7fffff) | 0x800000;
            int shift = 126 - exp;
            int h = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (h & 1) != 0)) h++;
            return (short) (sign | h);
        }
        int h = (val - 0x38000000) >>> 13;
        int rem = val & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++;
        return (short) (sign | h);
    }

    /** bfloat16, round to nearest even, NaN kept quiet (what torch's {@code .bfloat16()} does). */
    static short floatToBfloat16(float f) {
        if (Float.isNaN(f)) return (short) 0x7fc0;
        int u = Float.floatToRawIntBits(f);
        u += 0x7fff + ((u >>> 16) & 1);
        return (short) (u >>> 16);
    }

    /**
     * A contiguous little-endian region of {@code from} elements read as {@code to} elements,
     * converted on every read (whole source elements are read, so any byte range can be asked for).
     */
    private static final class CastSource implements ByteSource {
        private final ByteSource source;
        private final DType from;
        private final DType to;
        private final long numel;
        /** Where a read into a direct buffer is converted first (the export reads 1 MiB at a time). */
        private static final ThreadLocal<byte[]> STAGING = ThreadLocal.withInitial(() -> new byte[1 << 20]);
        private static final ThreadLocal<byte[][]> BUFFERS = ThreadLocal.withInitial(() -> new byte[][] {new byte[0], new byte[0]});

        CastSource(ByteSource source, DType from, DType to, long numel) {
            this.source = source;
            this.from = from;
            this.to = to;
            this.numel = numel;
        }

        @Override public long size() { return to.bytesFor(numel); }

        @Override
        public void read(long position, byte[] dst, int off, int len) throws IOException {
            if (position < 0 || len < 0 || position + len > size()) {
                throw new IOException("read of " + len + " bytes at " + position + " lies outside " + size() + " bytes");
            }
            int outItem = to.itemSize();
            int inItem = from.itemSize();
            byte[][] bufs = BUFFERS.get();
            while (len > 0) {
                long first = position / outItem;
                int skip = (int) (position - first * outItem);
                int count = (int) Math.min((skip + len + outItem - 1) / outItem, Math.max(1, (1 << 20) / outItem));
                if (bufs[0].length < count * inItem) bufs[0] = new byte[count * inItem];
                if (bufs[1].length < count * outItem) bufs[1] = new byte[count * outItem];
                source.read(first * inItem, bufs[0], 0, count * inItem);
                convert(from, bufs[0], 0, count, to, bufs[1], 0);
                int n = Math.min(len, count * outItem - skip);
                System.arraycopy(bufs[1], skip, dst, off, n);
                position += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void readInto(long position, ByteBuffer dst) throws IOException {
            if (dst.hasArray()) {
                int n = dst.remaining();
                read(position, dst.array(), dst.arrayOffset() + dst.position(), n);
                dst.position(dst.position() + n);
                return;
            }
            byte[] tmp = STAGING.get();
            while (dst.hasRemaining()) {
                int n = Math.min(tmp.length, dst.remaining());
                read(position, tmp, 0, n);
                dst.put(tmp, 0, n);
                position += n;
            }
        }
    }
}
