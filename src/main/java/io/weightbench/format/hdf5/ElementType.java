package io.weightbench.format.hdf5;

import io.jhdf.object.datatype.CompoundDataType;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.EnumDataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.OpaqueDataType;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import io.weightbench.tensor.DType;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an HDF5 datatype is as a tensor element: the dtype and the byte order its values are stored
 * in, or why it is not a tensor. Integers and IEEE floats of the usual sizes map directly; h5py's
 * bool (an int8 enum FALSE/TRUE) is bool, other enums are their base integers (as h5py reads them);
 * h5py's complex numbers (a compound of two floats named r and i) are complex; Keras 3 stores
 * bfloat16 as two-byte opaque values with a {@code dtype} attribute saying so.
 */
public sealed interface ElementType {

    /**
     * A tensor element.
     *
     * @param dtype the element type
     * @param order the byte order of the stored values (big-endian datasets stay big-endian)
     */
    record Numeric(DType dtype, ByteOrder order) implements ElementType {}

    /** Not a tensor element: what the values are, in a few words ("strings", "compound values of 3 fields"). */
    record Unsupported(String reason) implements ElementType {}

    /**
     * Maps a dataset's datatype. {@code dtypeAttribute} is the dataset's {@code dtype} attribute
     * (Keras 3's marker for bfloat16 stored as opaque bytes), empty when it has none.
     */
    static ElementType of(DataType type, Optional<String> dtypeAttribute) {
        if (type instanceof FixedPoint f) return integer(f);
        if (type instanceof FloatingPoint f) return floating(f);
        if (type instanceof EnumDataType e) {
            if (!(e.getBaseType() instanceof FixedPoint base)) return new Unsupported("enums over non-integers");
            return enumeration(integer(base), base.getSize(), e.getEnumMapping());
        }
        if (type instanceof CompoundDataType c) {
            List<Member> members = new ArrayList<>();
            for (CompoundDataType.CompoundDataMember m : c.getMembers()) {
                boolean scalar = m.getDimensionSize() == null || m.getDimensionSize().length == 0;
                ElementType t = m.getDataType() instanceof FloatingPoint f ? floating(f) : null;
                members.add(new Member(m.getName(), m.getOffset(), m.getDataType().getSize(), scalar, t));
            }
            return complex(members, c.getSize());
        }
        if (type instanceof OpaqueDataType o) return opaque(o.getSize(), dtypeAttribute);
        if (type instanceof StringData) return new Unsupported("strings");
        if (type instanceof VariableLength v) return new Unsupported(v.isVariableLengthString() ? "strings" : "variable-length sequences");
        return new Unsupported(type.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT) + " values");
    }

    private static ElementType integer(FixedPoint f) {
        return integer(f.getSize(), f.getBitOffset(), f.getBitPrecision(), f.isSigned(), f.getByteOrder());
    }

    private static ElementType floating(FloatingPoint f) {
        return floating(f.getSize(), f.getBitOffset(), f.getBitPrecision(), f.getSignLocation(), f.getExponentSize(),
                f.getMantissaSize(), f.getByteOrder());
    }

    /*
     * The mappings below take the datatype's fields as numbers, so that jhdf's datatypes (above) and
     * the ones Hdf5Metadata parses itself map through the same code.
     */

    /** An integer of {@code size} bytes. */
    static ElementType integer(int size, int bitOffset, int bitPrecision, boolean signed, ByteOrder order) {
        if (bitOffset != 0 || bitPrecision != size * 8) {
            return new Unsupported(bitPrecision + "-bit integers at bit offset " + bitOffset + " of " + size + "-byte words");
        }
        DType d = switch (size) {
            case 1 -> signed ? DType.INT8 : DType.UINT8;
            case 2 -> signed ? DType.INT16 : DType.UINT16;
            case 4 -> signed ? DType.INT32 : DType.UINT32;
            case 8 -> signed ? DType.INT64 : DType.UINT64;
            default -> null;
        };
        if (d == null) return new Unsupported(size + "-byte integers");
        return new Numeric(d, order);
    }

    /** A float of {@code size} bytes. */
    static ElementType floating(int size, int bitOffset, int bitPrecision, int signLocation, int exp, int mant, ByteOrder order) {
        if (bitOffset != 0 || bitPrecision != size * 8 || signLocation != size * 8 - 1) {
            return new Unsupported("non-IEEE " + size + "-byte floats");
        }
        DType d = null;
        if (size == 2 && exp == 5 && mant == 10) d = DType.FLOAT16;
        else if (size == 2 && exp == 8 && mant == 7) d = DType.BFLOAT16;
        else if (size == 4 && exp == 8 && mant == 23) d = DType.FLOAT32;
        else if (size == 8 && exp == 11 && mant == 52) d = DType.FLOAT64;
        if (d == null) return new Unsupported(size + "-byte floats with " + exp + " exponent and " + mant + " mantissa bits");
        return new Numeric(d, order);
    }

    /** An enum over an integer base type ({@code base} as {@link #integer} mapped it) with its value names. */
    static ElementType enumeration(ElementType base, int baseSize, Map<Integer, String> names) {
        if (!(base instanceof Numeric et)) return base;
        if (baseSize == 1 && names.size() == 2 && "FALSE".equals(names.get(0)) && "TRUE".equals(names.get(1))) {
            return new Numeric(DType.BOOL, et.order());
        }
        return et;
    }

    /**
     * One field of a compound datatype.
     *
     * @param floating the field's type as {@link #floating} maps it, null when it is not a float
     */
    record Member(String name, int offset, int size, boolean scalar, ElementType floating) {}

    /** A compound: complex when it is h5py's (r, i) pair of equal floats. */
    static ElementType complex(List<Member> m, int size) {
        if (m.size() != 2 || !"r".equals(m.get(0).name()) || !"i".equals(m.get(1).name())) {
            return new Unsupported("compound values of " + m.size() + " fields");
        }
        if (m.get(0).floating() == null || m.get(1).floating() == null) return new Unsupported("compound values of non-float fields");
        ElementType r = m.get(0).floating();
        ElementType i = m.get(1).floating();
        int n = m.get(0).size();
        boolean layout = m.get(0).offset() == 0 && m.get(1).offset() == n && m.get(1).size() == n && size == 2 * n
                && m.get(0).scalar() && m.get(1).scalar();
        if (r instanceof Numeric a && i instanceof Numeric b && layout && a.dtype() == b.dtype() && a.order().equals(b.order())) {
            if (a.dtype() == DType.FLOAT32) return new Numeric(DType.COMPLEX64, a.order());
            if (a.dtype() == DType.FLOAT64) return new Numeric(DType.COMPLEX128, a.order());
        }
        return new Unsupported("compound (r, i) values that are not complex64 or complex128");
    }

    /** Opaque values of {@code size} bytes: a tensor only when a {@code dtype} attribute names a dtype of that size. */
    static ElementType opaque(int size, Optional<String> dtypeAttribute) {
        if (dtypeAttribute.isPresent()) {
            Optional<DType> d = switch (dtypeAttribute.get()) {
                case "bfloat16" -> Optional.of(DType.BFLOAT16);
                case "float8_e4m3fn" -> Optional.of(DType.FLOAT8_E4M3FN);
                case "float8_e5m2" -> Optional.of(DType.FLOAT8_E5M2);
                default -> Optional.empty();
            };
            if (d.isPresent() && d.get().itemSize() == size) return new Numeric(d.get(), ByteOrder.LITTLE_ENDIAN);
        }
        return new Unsupported(size + "-byte opaque values");
    }
}
