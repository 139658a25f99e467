package io.weightbench.format.onnx;

import com.google.protobuf.WireFormat;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import java.io.IOException;

/**
 * A tensor whose values sit in a typed field (int32_data, int64_data, uint64_data, or float_data /
 * double_data split into several runs) rather than in raw_data: decoded into little-endian bytes of
 * its dtype when first read, and kept. Varint values are cut to the dtype's width as ONNX's own
 * numpy_helper does (int8 keeps the low 8 bits, float16 the low 16 bits of int32_data); bool is 1
 * for any non-zero value. The reader bounds the total of these decoded tensors.
 */
final class TypedValuesSource implements ByteSource {

    private final ByteSource file;
    private final Span tensor;
    private final OnnxType.Field field;
    private final DType dtype;
    private final long size;
    private byte[] decoded;

    TypedValuesSource(ByteSource file, Span tensor, OnnxType.Field field, DType dtype, long size) {
        this.file = file;
        this.tensor = tensor;
        this.field = field;
        this.dtype = dtype;
        this.size = size;
    }

    /**
     * How many values {@code field} holds in the TensorProto at {@code tensor}: counted from the
     * runs' lengths for fixed-width fields, by reading (and so validating) every varint otherwise.
     */
    static long count(ByteSource file, Initializer.Values v, Span tensor, OnnxType.Field field) throws IOException {
        if (field.encoding != OnnxType.Encoding.VARINT) return v.packedBytes / field.encoding.width + v.unpacked;
        long n = v.unpacked;
        WireReader r = WireReader.of(file, tensor);
        while (r.next()) {
            if (r.field() == field.number && r.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                WireReader run = WireReader.of(file, r.span());
                while (!run.atEnd()) {
                    run.varint();
                    n++;
                }
            } else {
                r.skip();
            }
        }
        return n;
    }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size) {
            throw new IOException("read of " + len + " bytes at " + position + " lies outside " + size + " bytes");
        }
        System.arraycopy(bytes(), (int) position, dst, off, len);
    }

    private synchronized byte[] bytes() throws IOException {
        if (decoded == null) decoded = decode();
        return decoded;
    }

    private byte[] decode() throws IOException {
        byte[] out = new byte[Math.toIntExact(size)];
        int unit = field.encoding == OnnxType.Encoding.VARINT ? dtype.itemSize() : field.encoding.width;
        int at = 0;
        WireReader r = WireReader.of(file, tensor);
        while (r.next()) {
            if (r.field() != field.number) {
                r.skip();
            } else if (r.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                Span run = r.span();
                if (field.encoding != OnnxType.Encoding.VARINT) {
                    check(at, run.length());
                    file.read(run.offset(), out, at, (int) run.length());
                    at += (int) run.length();
                } else {
                    WireReader values = WireReader.of(file, run);
                    while (!values.atEnd()) at = put(out, at, unit, values.varint());
                }
            } else {
                long v = switch (field.encoding) {
                    case VARINT -> r.varint();
                    case FIXED32 -> r.fixed32();
                    case FIXED64 -> r.fixed64();
                };
                at = put(out, at, unit, v);
            }
        }
        if (at != out.length) throw new FormatException(field.protoName() + " changed while being read (" + at + " of " + out.length + " bytes)");
        return out;
    }

    private int put(byte[] out, int at, int unit, long v) throws FormatException {
        check(at, unit);
        if (dtype == DType.BOOL) v = v != 0 ? 1 : 0;
        for (int i = 0; i < unit; i++) out[at + i] = (byte) (v >>> (8 * i));
        return at + unit;
    }

    private void check(int at, long n) throws FormatException {
        if (at + n > size) throw new FormatException(field.protoName() + " holds more values than its " + size + " bytes (changed while being read?)");
    }
}
