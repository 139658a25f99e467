package io.weightbench.format.onnx;

import io.weightbench.format.onnx.proto.OnnxProto.TensorProto;
import io.weightbench.tensor.DType;
import java.util.Locale;
import java.util.Optional;

/**
 * ONNX's element types (TensorProto.DataType): the dtype each is listed as, if Weightbench has it,
 * and the typed field that holds its values when a tensor does not use raw_data. Types without a
 * dtype (strings, the FNUZ float8s, 2- and 4-bit types, float4, e8m0) are named in a warning.
 */
enum OnnxType {
    UNDEFINED(0, null, Field.NONE),
    FLOAT(1, DType.FLOAT32, Field.FLOAT),
    UINT8(2, DType.UINT8, Field.INT32),
    INT8(3, DType.INT8, Field.INT32),
    UINT16(4, DType.UINT16, Field.INT32),
    INT16(5, DType.INT16, Field.INT32),
    INT32(6, DType.INT32, Field.INT32),
    INT64(7, DType.INT64, Field.INT64),
    STRING(8, null, Field.NONE),
    BOOL(9, DType.BOOL, Field.INT32),
    FLOAT16(10, DType.FLOAT16, Field.INT32),
    DOUBLE(11, DType.FLOAT64, Field.DOUBLE),
    UINT32(12, DType.UINT32, Field.UINT64),
    UINT64(13, DType.UINT64, Field.UINT64),
    COMPLEX64(14, DType.COMPLEX64, Field.FLOAT),
    COMPLEX128(15, DType.COMPLEX128, Field.DOUBLE),
    BFLOAT16(16, DType.BFLOAT16, Field.INT32),
    FLOAT8E4M3FN(17, DType.FLOAT8_E4M3FN, Field.INT32),
    FLOAT8E4M3FNUZ(18, null, Field.INT32),
    FLOAT8E5M2(19, DType.FLOAT8_E5M2, Field.INT32),
    FLOAT8E5M2FNUZ(20, null, Field.INT32),
    UINT4(21, null, Field.INT32),
    INT4(22, null, Field.INT32),
    FLOAT4E2M1(23, null, Field.INT32),
    FLOAT8E8M0(24, null, Field.INT32),
    UINT2(25, null, Field.INT32),
    INT2(26, null, Field.INT32);

    /** The typed field that holds a tensor's values when raw_data is absent, and how its values are encoded. */
    enum Field {
        NONE(0, Encoding.VARINT),
        FLOAT(TensorProto.FLOAT_DATA_FIELD_NUMBER, Encoding.FIXED32),
        INT32(TensorProto.INT32_DATA_FIELD_NUMBER, Encoding.VARINT),
        INT64(TensorProto.INT64_DATA_FIELD_NUMBER, Encoding.VARINT),
        DOUBLE(TensorProto.DOUBLE_DATA_FIELD_NUMBER, Encoding.FIXED64),
        UINT64(TensorProto.UINT64_DATA_FIELD_NUMBER, Encoding.VARINT);

        final int number;
        final Encoding encoding;

        Field(int number, Encoding encoding) {
            this.number = number;
            this.encoding = encoding;
        }

        /** The field's name in onnx.proto ({@code int32_data}). */
        String protoName() { return name().toLowerCase(Locale.ROOT) + "_data"; }

        static Optional<Field> byNumber(int number) {
            for (Field f : values()) if (f != NONE && f.number == number) return Optional.of(f);
            return Optional.empty();
        }
    }

    /** How the values of a typed field are written on the wire. */
    enum Encoding {
        VARINT(0), FIXED32(4), FIXED64(8);

        /** Bytes per value for the fixed encodings; 0 for varints. */
        final int width;

        Encoding(int width) { this.width = width; }
    }

    final int code;
    private final DType dtype;
    final Field field;

    OnnxType(int code, DType dtype, Field field) {
        this.code = code;
        this.dtype = dtype;
        this.field = field;
    }

    /** The dtype this type is listed as; empty for types Weightbench has no dtype for. */
    Optional<DType> dtype() { return Optional.ofNullable(dtype); }

    /** Values stored in the typed field per element (complex numbers are two). */
    int valuesPerElement() { return this == COMPLEX64 || this == COMPLEX128 ? 2 : 1; }

    /** ONNX's name of the type, in lower case ({@code float8e4m3fnuz}). */
    String onnxName() { return name().toLowerCase(Locale.ROOT); }

    static Optional<OnnxType> of(int code) {
        OnnxType[] all = values();
        return code >= 0 && code < all.length && all[code].code == code ? Optional.of(all[code]) : Optional.empty();
    }
}
