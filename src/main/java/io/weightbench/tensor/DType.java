package io.weightbench.tensor;

import java.util.Locale;
import java.util.Optional;

/**
 * The element types Weightbench understands, named as torch names them (without {@code torch.}),
 * plus ggml's block-quantized types ({@code q4_0} ... {@code q6_k}): blocks of 32 or 256 values
 * stored in a fixed number of bytes, whose {@link #itemSize} is the size of one block.
 */
public enum DType {
    FLOAT64("float64", 8, "DoubleStorage", "F64", "<f8"),
    FLOAT32("float32", 4, "FloatStorage", "F32", "<f4"),
    FLOAT16("float16", 2, "HalfStorage", "F16", "<f2"),
    BFLOAT16("bfloat16", 2, "BFloat16Storage", "BF16", null),
    FLOAT8_E4M3FN("float8_e4m3fn", 1, "Float8_e4m3fnStorage", "F8_E4M3", null),
    FLOAT8_E5M2("float8_e5m2", 1, "Float8_e5m2Storage", "F8_E5M2", null),
    INT64("int64", 8, "LongStorage", "I64", "<i8"),
    INT32("int32", 4, "IntStorage", "I32", "<i4"),
    INT16("int16", 2, "ShortStorage", "I16", "<i2"),
    INT8("int8", 1, "CharStorage", "I8", "|i1"),
    UINT64("uint64", 8, "UInt64Storage", "U64", "<u8"),
    UINT32("uint32", 4, "UInt32Storage", "U32", "<u4"),
    UINT16("uint16", 2, "UInt16Storage", "U16", "<u2"),
    UINT8("uint8", 1, "ByteStorage", "U8", "|u1"),
    BOOL("bool", 1, "BoolStorage", "BOOL", "|b1"),
    COMPLEX128("complex128", 16, "ComplexDoubleStorage", "C128", "<c16"),
    COMPLEX64("complex64", 8, "ComplexFloatStorage", "C64", "<c8"),
    QINT8("qint8", 1, "QInt8Storage", null, null),
    QUINT8("quint8", 1, "QUInt8Storage", null, null),
    QINT32("qint32", 4, "QInt32Storage", null, null),
    // ggml's block quantizations (ggml-common.h): block bytes, values per block.
    Q4_0("q4_0", 18, 32),
    Q4_1("q4_1", 20, 32),
    Q5_0("q5_0", 22, 32),
    Q5_1("q5_1", 24, 32),
    Q8_0("q8_0", 34, 32),
    Q2_K("q2_k", 84, 256),
    Q3_K("q3_k", 110, 256),
    Q4_K("q4_k", 144, 256),
    Q5_K("q5_k", 176, 256),
    Q6_K("q6_k", 210, 256);

    private final String torchName;
    private final int itemSize;
    private final String storageName;
    private final String safetensorsCode;
    private final String numpyDescr;
    private final int blockSize;

    DType(String torchName, int itemSize, String storageName, String safetensorsCode, String numpyDescr) {
        this.torchName = torchName;
        this.itemSize = itemSize;
        this.storageName = storageName;
        this.safetensorsCode = safetensorsCode;
        this.numpyDescr = numpyDescr;
        this.blockSize = 1;
    }

    /** A block-quantized type: {@code blockBytes} bytes hold {@code blockSize} values. */
    DType(String name, int blockBytes, int blockSize) {
        this.torchName = name;
        this.itemSize = blockBytes;
        this.storageName = "";
        this.safetensorsCode = null;
        this.numpyDescr = null;
        this.blockSize = blockSize;
    }

    /** torch's name without {@code torch.}, e.g. {@code bfloat16}; ggml's in lower case for block types. */
    public String torchName() { return torchName; }

    /** Bytes per element; for a block-quantized type, bytes per block of {@link #blockSize} values. */
    public int itemSize() { return itemSize; }

    /** Values per block: 1 for every element type, 32 or 256 for ggml's block quantizations. */
    public int blockSize() { return blockSize; }

    /** Whether values are stored in blocks (ggml's q4_0 ... q6_k) and read only by dequantizing whole blocks. */
    public boolean isBlockQuantized() { return blockSize > 1; }

    /** Bytes that {@code numel} values take (for block types, {@code numel} a multiple of the block size). */
    public long bytesFor(long numel) {
        return Math.multiplyExact(numel / blockSize, (long) itemSize);
    }

    /** The legacy typed-storage class name, e.g. {@code FloatStorage}. */
    public String storageName() { return storageName; }

    /** The safetensors dtype code, if this dtype can be stored in safetensors. */
    public Optional<String> safetensorsCode() { return Optional.ofNullable(safetensorsCode); }

    /** The little-endian numpy type string, if numpy has this dtype. */
    public Optional<String> numpyDescr() { return Optional.ofNullable(numpyDescr); }

    public boolean isFloatingPoint() {
        return switch (this) {
            case FLOAT64, FLOAT32, FLOAT16, BFLOAT16, FLOAT8_E4M3FN, FLOAT8_E5M2 -> true;
            default -> false;
        };
    }

    public boolean isComplex() { return this == COMPLEX64 || this == COMPLEX128; }

    /** torch's quantized integer types (with a scale and zero point); not ggml's block types. */
    public boolean isQuantized() { return this == QINT8 || this == QUINT8 || this == QINT32; }

    /** The size of one scalar part for byte swapping (complex values swap each half). */
    public int swapUnit() {
        if (isBlockQuantized()) return 1; // blocks are kept as stored; their fields are read in their own byte order
        return isComplex() ? itemSize / 2 : itemSize;
    }

    @Override
    public String toString() { return torchName; }

    public static Optional<DType> fromTorchName(String name) {
        String n = name.startsWith("torch.") ? name.substring(6) : name;
        for (DType d : values()) {
            if (d.torchName.equals(n)) return Optional.of(d);
        }
        return switch (n) {
            case "float", "float32" -> Optional.of(FLOAT32);
            case "double" -> Optional.of(FLOAT64);
            case "half" -> Optional.of(FLOAT16);
            case "long" -> Optional.of(INT64);
            case "int" -> Optional.of(INT32);
            case "short" -> Optional.of(INT16);
            case "cfloat" -> Optional.of(COMPLEX64);
            case "cdouble" -> Optional.of(COMPLEX128);
            case "float8_e4m3" -> Optional.of(FLOAT8_E4M3FN);
            default -> Optional.empty();
        };
    }

    private static final java.util.Map<String, DType> BY_STORAGE = new java.util.HashMap<>();

    static {
        for (DType d : values()) if (!d.storageName.isEmpty()) BY_STORAGE.put(d.storageName, d);
    }

    /** Maps a typed-storage class name ({@code FloatStorage}, {@code cuda.HalfStorage}) to its dtype. */
    public static Optional<DType> fromStorageName(String name) {
        return Optional.ofNullable(BY_STORAGE.get(name.substring(name.lastIndexOf('.') + 1)));
    }

    public static Optional<DType> fromSafetensorsCode(String code) {
        for (DType d : values()) {
            if (code.equals(d.safetensorsCode)) return Optional.of(d);
        }
        if (code.equals("F8_E4M3FN")) return Optional.of(FLOAT8_E4M3FN);
        return Optional.empty();
    }

    /**
     * Maps a numpy type string ({@code <f4}, {@code >i8}, {@code |b1}) to a dtype, ignoring the byte
     * order mark (the caller keeps it).
     */
    public static Optional<DType> fromNumpyDescr(String descr) {
        if (descr.isEmpty()) return Optional.empty();
        String body = descr.substring(1).toLowerCase(Locale.ROOT);
        return switch (body) {
            case "f8" -> Optional.of(FLOAT64);
            case "f4" -> Optional.of(FLOAT32);
            case "f2" -> Optional.of(FLOAT16);
            case "i8" -> Optional.of(INT64);
            case "i4" -> Optional.of(INT32);
            case "i2" -> Optional.of(INT16);
            case "i1" -> Optional.of(INT8);
            case "u8" -> Optional.of(UINT64);
            case "u4" -> Optional.of(UINT32);
            case "u2" -> Optional.of(UINT16);
            case "u1" -> Optional.of(UINT8);
            case "b1" -> Optional.of(BOOL);
            case "c16" -> Optional.of(COMPLEX128);
            case "c8" -> Optional.of(COMPLEX64);
            default -> Optional.empty();
        };
    }
}
