package io.weightbench.format.tf;

import io.weightbench.tensor.DType;
import java.util.Optional;

/**
 * TensorFlow's DataType values (types.proto) and what Weightbench makes of them. Numeric types map
 * onto torch's names. TF's quantized types hold plain integers (a checkpoint stores no scale or zero
 * point): qint8, quint8 and qint32 keep torch's quantized names, whose canonical bytes are exactly
 * those integers; qint16 and quint16, which torch lacks, are read as int16 and uint16 (the
 * tensor's info keeps the TF name). Strings, resource handles and variants are not tensors; the
 * float8 "fnuz" variants and 2- and 4-bit integers have no dtype here.
 */
enum TfDataType {
    DT_INVALID(0, null),
    DT_FLOAT(1, DType.FLOAT32),
    DT_DOUBLE(2, DType.FLOAT64),
    DT_INT32(3, DType.INT32),
    DT_UINT8(4, DType.UINT8),
    DT_INT16(5, DType.INT16),
    DT_INT8(6, DType.INT8),
    DT_STRING(7, null),
    DT_COMPLEX64(8, DType.COMPLEX64),
    DT_INT64(9, DType.INT64),
    DT_BOOL(10, DType.BOOL),
    DT_QINT8(11, DType.QINT8),
    DT_QUINT8(12, DType.QUINT8),
    DT_QINT32(13, DType.QINT32),
    DT_BFLOAT16(14, DType.BFLOAT16),
    DT_QINT16(15, DType.INT16),
    DT_QUINT16(16, DType.UINT16),
    DT_UINT16(17, DType.UINT16),
    DT_COMPLEX128(18, DType.COMPLEX128),
    DT_HALF(19, DType.FLOAT16),
    DT_RESOURCE(20, null),
    DT_VARIANT(21, null),
    DT_UINT32(22, DType.UINT32),
    DT_UINT64(23, DType.UINT64),
    DT_FLOAT8_E5M2(24, DType.FLOAT8_E5M2),
    DT_FLOAT8_E4M3FN(25, DType.FLOAT8_E4M3FN),
    DT_FLOAT8_E4M3FNUZ(26, null),
    DT_FLOAT8_E4M3B11FNUZ(27, null),
    DT_FLOAT8_E5M2FNUZ(28, null),
    DT_INT4(29, null),
    DT_UINT4(30, null),
    DT_INT2(31, null),
    DT_UINT2(32, null);

    private static final TfDataType[] BY_VALUE = new TfDataType[33];

    static {
        for (TfDataType t : values()) BY_VALUE[t.value] = t;
    }

    private final int value;
    private final DType dtype;

    TfDataType(int value, DType dtype) {
        this.value = value;
        this.dtype = dtype;
    }

    /** The type with this enum value; reference types (value + 100) are never saved and are not found. */
    static Optional<TfDataType> of(int value) {
        return value >= 0 && value < BY_VALUE.length ? Optional.of(BY_VALUE[value]) : Optional.empty();
    }

    /** The dtype its values are read as, if they are tensor elements Weightbench reads. */
    Optional<DType> dtype() { return Optional.ofNullable(dtype); }

    /** Whether Weightbench's dtype has another name than TensorFlow's (qint16 read as int16). */
    boolean renamed() { return this == DT_QINT16 || this == DT_QUINT16; }
}
