package io.weightbench.export;

import io.weightbench.rules.RuleException;
import io.weightbench.rules.TensorRule;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Applies tensor rules to tensor data. Permute, transpose, slice and reshape of a contiguous tensor
 * are views (no data moves); a cast, or a reshape of a strided view, is computed into a temporary
 * file (or memory, when small) in bounded memory.
 */
public final class Transforms {

    static final long IN_MEMORY = 64L * 1024 * 1024;

    private Transforms() {}

    public static TensorData apply(TensorData t, List<TensorRule> rules, String key) throws IOException {
        TensorData out = t;
        for (TensorRule r : rules) out = apply(out, r, key);
        return out;
    }

    static TensorData apply(TensorData t, TensorRule r, String key) throws IOException {
        if ((t.quantization().isPresent() || t.dtype().isBlockQuantized()) && !(r instanceof TensorRule.Cast)) {
            throw new RuleException(r.describe() + ": '" + key + "' is quantized (" + t.dtype()
                    + "); cast it to a float type first, then transform it");
        }
        if (r instanceof TensorRule.Permute p) return permute(t, p.dims());
        if (r instanceof TensorRule.Transpose x) return permute(t, x.dims(t.rank()));
        if (r instanceof TensorRule.Slice s) {
            long[] shape = t.shape();
            long[] strides = t.strides();
            long offset = t.storageOffset() + s.start() * strides[s.dim()];
            shape[s.dim()] = (s.end() - s.start() + s.step() - 1) / s.step();
            strides[s.dim()] *= s.step();
            return new TensorData(t.storage(), t.dtype(), shape, strides, offset, Optional.empty());
        }
        if (r instanceof TensorRule.Reshape rs) {
            long[] shape = rs.transform(io.weightbench.model.TensorSpec.of(key, t.shape(), t.dtype())).shape().stream().mapToLong(Long::longValue).toArray();
            TensorData base = t.isContiguous() ? t : materialize(t, t.dtype());
            return new TensorData(base.storage(), base.dtype(), shape, TensorData.contiguousStrides(shape), base.storageOffset(), Optional.empty());
        }
        if (r instanceof TensorRule.Cast c) {
            if (c.dtype() == t.dtype()) return t;
            if (c.dtype() == DType.FLOAT8_E4M3FN || c.dtype() == DType.FLOAT8_E5M2) {
                throw new RuleException(c.describe() + ": casting to " + c.dtype() + " is not supported yet");
            }
            return materialize(t, c.dtype());
        }
        if (r instanceof TensorRule.AdaptInputConv a) return adaptInputConv(t, a, key);
        if (r instanceof TensorRule.ResamplePosEmbed p) return resamplePosEmbed(t, p, key);
        throw new RuleException("unknown tensor rule " + r.describe());
    }

    /** timm's arithmetic: in float32, then back to the weight's dtype. */
    private static TensorData adaptInputConv(TensorData t, TensorRule.AdaptInputConv a, String key) throws IOException {
        long[] shape = t.shape();
        long[] outShape = a.transform(io.weightbench.model.TensorSpec.of(key, shape, t.dtype())).shape().stream().mapToLong(Long::longValue).toArray();
        long o = shape[0];
        long in = shape[1];
        long hw = shape[2] * shape[3];
        if (Math.multiplyExact(t.numel(), 4L) > IN_MEMORY) throw new RuleException(a.describe() + ": '" + key + "' is too large for a stem convolution");
        float[] w = new float[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> w[(int) i] = (float) v);
        long newIn = outShape[1];
        float[] out = new float[(int) (o * newIn * hw)];
        if (a.inChans() == 1) {
            long group = in / newIn; // 3
            for (long oc = 0; oc < o; oc++) {
                for (long g = 0; g < newIn; g++) {
                    for (long p = 0; p < hw; p++) {
                        float sum = 0;
                        for (long c = 0; c < group; c++) sum += w[(int) ((oc * in + g * group + c) * hw + p)];
                        out[(int) ((oc * newIn + g) * hw + p)] = sum;
                    }
                }
            }
        } else {
            float scale = (float) (3.0 / a.inChans());
            for (long oc = 0; oc < o; oc++) {
                for (long c = 0; c < newIn; c++) {
                    for (long p = 0; p < hw; p++) {
                        out[(int) ((oc * newIn + c) * hw + p)] = w[(int) ((oc * in + c % 3) * hw + p)] * scale;
                    }
                }
            }
        }
        ByteBuffer bytes = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : out) bytes.putFloat(f);
        Storage storage = new Storage("adapted", DType.FLOAT32, out.length, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(bytes.array()));
        TensorData f32 = TensorData.contiguous(storage, outShape);
        return t.dtype() == DType.FLOAT32 ? f32 : materialize(f32, t.dtype());
    }

    /** timm's resample_abs_pos_embed: prefix tokens kept, the grid resized in float32, back to the dtype. */
    private static TensorData resamplePosEmbed(TensorData t, TensorRule.ResamplePosEmbed r, String key) throws IOException {
        io.weightbench.model.TensorSpec spec = io.weightbench.model.TensorSpec.of(key, t.shape(), t.dtype());
        int old = r.oldGrid(spec);
        long[] outShape = r.transform(spec).shape().stream().mapToLong(Long::longValue).toArray();
        long[] shape = t.shape();
        int dim = (int) shape[shape.length - 1];
        int prefix = r.prefixTokens();
        if (Math.multiplyExact(t.numel(), 4L) > IN_MEMORY) throw new RuleException(r.describe() + ": '" + key + "' is too large");
        float[] all = new float[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> all[(int) i] = (float) v);
        // tokens x dim -> dim x h x w
        float[] grid = new float[dim * old * old];
        for (int p = 0; p < old * old; p++) {
            for (int c = 0; c < dim; c++) grid[c * old * old + p] = all[(prefix + p) * dim + c];
        }
        float[] resized = Bicubic.resize(grid, dim, old, old, r.gridH(), r.gridW(), r.antialias());
        int tokens = prefix + r.gridH() * r.gridW();
        float[] out = new float[tokens * dim];
        System.arraycopy(all, 0, out, 0, prefix * dim);
        int n = r.gridH() * r.gridW();
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < dim; c++) out[(prefix + p) * dim + c] = resized[c * n + p];
        }
        ByteBuffer bytes = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : out) bytes.putFloat(f);
        Storage storage = new Storage("resampled", DType.FLOAT32, out.length, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(bytes.array()));
        TensorData f32 = TensorData.contiguous(storage, outShape);
        return t.dtype() == DType.FLOAT32 ? f32 : materialize(f32, t.dtype());
    }

    private static TensorData permute(TensorData t, int[] dims) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        long[] s2 = new long[dims.length];
        long[] st2 = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s2[i] = shape[dims[i]];
            st2[i] = strides[dims[i]];
        }
        return new TensorData(t.storage(), t.dtype(), s2, st2, t.storageOffset(), Optional.empty());
    }

    /** The tensor's values in {@code target}, contiguous, in memory or a temporary file. */
    static TensorData materialize(TensorData t, DType target) throws IOException {
        long bytes = Math.multiplyExact(t.numel(), (long) target.itemSize());
        boolean small = bytes <= IN_MEMORY;
        java.io.ByteArrayOutputStream mem = small ? new java.io.ByteArrayOutputStream((int) bytes) : null;
        Path tmp = small ? null : Files.createTempFile("weightbench-transform-", ".bin");
        if (tmp != null) tmp.toFile().deleteOnExit();
        try (OutputStream out = small ? mem : new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            if (target == t.dtype()) {
                CanonicalBytes.writeTo(t, out);
            } else {
                convert(t, target, out);
            }
        }
        ByteSource src = small ? ByteSource.of(mem.toByteArray()) : new MappedFile(tmp);
        Storage storage = new Storage("converted", target, t.numel(), ByteOrder.LITTLE_ENDIAN, "cpu", src);
        return TensorData.contiguous(storage, t.shape());
    }

    private static void convert(TensorData t, DType target, OutputStream out) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        IOException[] failure = new IOException[1];
        boolean integral = !t.dtype().isFloatingPoint() && t.dtype() != DType.BOOL && !t.dtype().isQuantized() && !t.dtype().isBlockQuantized();
        if (integral && target != DType.BOOL && !target.isFloatingPoint()) {
            // integer to integer: exact, wrapping like C++'s casts (no trip through double)
            int item = t.dtype().itemSize();
            CanonicalBytes.stream(t, (chunk, n) -> {
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n).order(ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < n; p += item) {
                    long v = switch (t.dtype()) {
                        case INT64, UINT64 -> b.getLong(p);
                        case INT32 -> b.getInt(p);
                        case UINT32 -> b.getInt(p) & 0xffffffffL;
                        case INT16 -> b.getShort(p);
                        case UINT16 -> b.getShort(p) & 0xffff;
                        case INT8 -> b.get(p);
                        default -> b.get(p) & 0xff;
                    };
                    encodeLong(one, target, v);
                    out.write(one.array(), 0, target.itemSize());
                }
            });
            return;
        }
        ElementDecoder.forEach(t, (i, v) -> {
            if (failure[0] != null) return;
            try {
                encode(one, target, v);
                out.write(one.array(), 0, target.itemSize());
            } catch (IOException e) {
                failure[0] = e;
            }
        });
        if (failure[0] != null) throw failure[0];
    }

    private static void encodeLong(ByteBuffer b, DType target, long v) {
        b.clear();
        switch (target) {
            case INT64, UINT64 -> b.putLong(0, v);
            case INT32, UINT32 -> b.putInt(0, (int) v);
            case INT16, UINT16 -> b.putShort(0, (short) v);
            default -> b.put(0, (byte) v);
        }
    }

    static void encode(ByteBuffer b, DType target, double v) {
        switch (target) {
            case FLOAT64 -> b.putDouble(0, v);
            case FLOAT32 -> b.putFloat(0, (float) v);
            case FLOAT16 -> b.putShort(0, floatToHalf((float) v));
            case BFLOAT16 -> b.putShort(0, floatToBfloat16((float) v));
            case BOOL -> b.put(0, (byte) (v != 0 ? 1 : 0));
            case INT64, UINT64 -> b.putLong(0, (long) v);
            case INT32, UINT32 -> b.putInt(0, (int) (long) v);
            case INT16, UINT16 -> b.putShort(0, (short) (long) v);
            case INT8, UINT8 -> b.put(0, (byte) (long) v);
            default -> throw new IllegalArgumentException("cannot encode " + target);
        }
    }

    /** IEEE binary16, round to nearest even (what torch's {@code .half()} does). */
    public static short floatToHalf(float f) {
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
    public static short floatToBfloat16(float f) {
        if (Float.isNaN(f)) return (short) 0x7fc0;
        int u = Float.floatToRawIntBits(f);
        u += 0x7fff + ((u >>> 16) & 1);
        return (short) (u >>> 16);
    }
}
