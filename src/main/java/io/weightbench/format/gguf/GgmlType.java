package io.weightbench.format.gguf;

import io.weightbench.tensor.DType;
import java.util.Optional;

/**
 * ggml's tensor types as GGUF numbers them (ggml.h's {@code enum ggml_type}), with the block
 * geometry of each (ggml.c's type traits), so that a file's data layout can be checked even for
 * tensors whose values this program does not decode. Ids missing here (removed types, types newer
 * than this table) are unknown: their size cannot be known.
 */
enum GgmlType {
    F32(0, 1, 4, DType.FLOAT32),
    F16(1, 1, 2, DType.FLOAT16),
    Q4_0(2, 32, 18, DType.Q4_0),
    Q4_1(3, 32, 20, DType.Q4_1),
    Q5_0(6, 32, 22, DType.Q5_0),
    Q5_1(7, 32, 24, DType.Q5_1),
    Q8_0(8, 32, 34, DType.Q8_0),
    Q8_1(9, 32, 36, null),
    Q2_K(10, 256, 84, DType.Q2_K),
    Q3_K(11, 256, 110, DType.Q3_K),
    Q4_K(12, 256, 144, DType.Q4_K),
    Q5_K(13, 256, 176, DType.Q5_K),
    Q6_K(14, 256, 210, DType.Q6_K),
    Q8_K(15, 256, 292, null),
    IQ2_XXS(16, 256, 66, null),
    IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null),
    IQ1_S(19, 256, 50, null),
    IQ4_NL(20, 32, 18, null),
    IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null),
    IQ4_XS(23, 256, 136, null),
    I8(24, 1, 1, DType.INT8),
    I16(25, 1, 2, DType.INT16),
    I32(26, 1, 4, DType.INT32),
    I64(27, 1, 8, DType.INT64),
    F64(28, 1, 8, DType.FLOAT64),
    IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, DType.BFLOAT16),
    TQ1_0(34, 256, 54, null),
    TQ2_0(35, 256, 66, null),
    MXFP4(39, 32, 17, null),
    NVFP4(40, 64, 36, null),
    Q1_0(41, 128, 18, null),
    Q2_0(42, 64, 18, null);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final DType dtype;

    GgmlType(int id, int blockSize, int typeSize, DType dtype) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.dtype = dtype;
    }

    /** The type with GGUF number {@code id}, if this table knows it. */
    static Optional<GgmlType> of(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[(int) id]) : Optional.empty();
    }

    int id() { return id; }

    /** Values per block (1 for plain types). */
    int blockSize() { return blockSize; }

    /** Bytes per block. */
    int typeSize() { return typeSize; }

    /** The dtype its values are listed as, if this program decodes them. */
    Optional<DType> dtype() { return Optional.ofNullable(dtype); }
}
