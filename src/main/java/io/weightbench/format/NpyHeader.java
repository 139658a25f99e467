package io.weightbench.format;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a {@code .npy} array: magic, version, and a Python dict literal giving dtype,
 * order and shape. Fortran-ordered arrays become tensors with column-major strides.
 */
final class NpyHeader {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyHeader() {}

    static boolean hasMagic(byte[] head) {
        if (head.length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (head[i] != MAGIC[i]) return false;
        return true;
    }

    /** Reads the header of the array in {@code src} and returns a lazy tensor over its data. */
    static TensorData read(String name, ByteSource src) throws IOException {
        if (src.size() < 10) throw new FormatException(name + ": .npy data of " + src.size() + " bytes is too short");
        byte[] pre = new byte[12];
        src.read(0, pre, 0, (int) Math.min(12, src.size()));
        if (!hasMagic(pre)) throw new FormatException(name + ": not a .npy array (bad magic)");
        int major = pre[6] & 0xff;
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = (pre[8] & 0xff) | ((pre[9] & 0xff) << 8);
            start = 10;
        } else if (major == 2 || major == 3) {
            headerLen = (pre[8] & 0xffL) | ((pre[9] & 0xffL) << 8) | ((pre[10] & 0xffL) << 16) | ((pre[11] & 0xffL) << 24);
            start = 12;
        } else {
            throw new FormatException(name + ": unsupported .npy version " + major);
        }
        if (headerLen > 1 << 20 || start + headerLen > src.size()) {
            throw new FormatException(name + ": .npy header of " + headerLen + " bytes runs past the end of the data");
        }
        byte[] h = new byte[(int) headerLen];
        src.read(start, h, 0, h.length);
        String header = new String(h, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find()) {
            throw new FormatException(name + ": .npy dtype is not a simple type (structured arrays are not read): " + header.trim());
        }
        if (!f.find() || !s.find()) throw new FormatException(name + ": .npy header lacks fortran_order or shape: " + header.trim());
        String descr = d.group(1);
        if (descr.contains("O")) throw new FormatException(name + ": .npy array of Python objects (needs pickle; not read)");
        Optional<DType> dtype = DType.fromNumpyDescr(descr);
        if (dtype.isEmpty()) throw new FormatException(name + ": .npy dtype '" + descr + "' is not supported");
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            if (p.endsWith("L")) p = p.substring(0, p.length() - 1);
            try {
                long v = Long.parseLong(p);
                if (v < 0) throw new NumberFormatException();
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new FormatException(name + ": .npy shape has a bad dimension '" + p + "'");
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long numel = 1;
        try {
            for (long v : shape) numel = Math.multiplyExact(numel, v);
            Math.multiplyExact(numel, (long) dtype.get().itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException(name + ": .npy shape " + dims + " is impossibly large");
        }
        long dataStart = start + headerLen;
        long need = numel * dtype.get().itemSize();
        if (dataStart + need > src.size()) {
            throw new FormatException(name + ": .npy array " + descr + dims + " needs " + need + " bytes but only "
                    + (src.size() - dataStart) + " follow the header (truncated?)");
        }
        Storage storage = new Storage(name, dtype.get(), numel, order, "cpu", src.slice(dataStart, need));
        long[] strides;
        if (f.group(1).equals("True")) {
            strides = new long[shape.length];
            long st = 1;
            for (int i = 0; i < shape.length; i++) {
                strides[i] = st;
                st *= Math.max(shape[i], 1);
            }
        } else {
            strides = TensorData.contiguousStrides(shape);
        }
        return new TensorData(storage, dtype.get(), shape, strides, 0, Optional.empty());
    }
}
