package io.weightbench.format.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.weightbench.format.FormatException;
import io.weightbench.format.onnx.proto.OnnxProto.TensorProto;
import io.weightbench.tensor.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * One TensorProto as found in the file: its small fields parsed (name, dims, type, external data
 * references), its values located but not read: the raw_data region, or where each typed field's
 * values lie and how many there are.
 *
 * @param header   the TensorProto's small fields (no values), parsed with the generated class
 * @param span     the whole TensorProto message in the file
 * @param raw      the raw_data field's bytes, if present
 * @param typed    for each typed field present, where its values are
 * @param doc      the doc string, abbreviated; empty if none
 * @param subgraph the subgraph the initializer belongs to ("" for the main graph)
 */
record Initializer(TensorProto header, Span span, Span raw, Map<OnnxType.Field, Values> typed, String doc, String subgraph) {

    /** The small fields of a TensorProto are at most this long together (names, dims, external data keys). */
    static final int MAX_HEADER = 1 << 20;

    /**
     * Where one typed field's values are: packed runs (counted in bytes) and values written one
     * per field (unpacked, counted in values). Protobuf allows both, in any mix.
     */
    static final class Values {
        Span firstPacked;
        int packedRuns;
        long packedBytes;
        long unpacked;

        /** True when the values are exactly one packed run: then they can be a slice of the file. */
        boolean isOneRun() { return packedRuns == 1 && unpacked == 0; }
    }

    String name() { return header.getName(); }

    /** Reads the TensorProto that fills {@code span} without reading its values. */
    static Initializer read(ByteSource file, Span span, String subgraph) throws IOException {
        WireReader r = WireReader.of(file, span);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(kept, 256);
        Span raw = null;
        Map<OnnxType.Field, Values> typed = new EnumMap<>(OnnxType.Field.class);
        String doc = "";
        while (r.next()) {
            int f = r.field();
            switch (f) {
                case TensorProto.DIMS_FIELD_NUMBER, TensorProto.DATA_TYPE_FIELD_NUMBER, TensorProto.SEGMENT_FIELD_NUMBER,
                        TensorProto.NAME_FIELD_NUMBER, TensorProto.EXTERNAL_DATA_FIELD_NUMBER,
                        TensorProto.DATA_LOCATION_FIELD_NUMBER -> {
                    r.copyTo(out, MAX_HEADER);
                    if (out.getTotalBytesWritten() > MAX_HEADER) {
                        throw new FormatException("an initializer at offset " + span.offset() + " has more than " + MAX_HEADER
                                + " bytes of names, dims and external data references");
                    }
                }
                case TensorProto.RAW_DATA_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "raw_data");
                    raw = r.span();
                }
                case TensorProto.DOC_STRING_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a doc string");
                    doc = WireReader.text(file, r.span(), 200);
                }
                default -> {
                    OnnxType.Field field = OnnxType.Field.byNumber(f).orElse(null);
                    if (field == null) {
                        r.skip();
                    } else {
                        locate(r, field, typed.computeIfAbsent(field, k -> new Values()));
                    }
                }
            }
        }
        out.flush();
        TensorProto header;
        try {
            header = TensorProto.parseFrom(kept.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException("an initializer at offset " + span.offset() + " has a malformed header field ("
                    + e.getMessage() + ")");
        }
        return new Initializer(header, span, raw, typed, doc, subgraph);
    }

    /** Records where one occurrence of a typed field lies: a packed run, or one unpacked value. */
    private static void locate(WireReader r, OnnxType.Field field, Values v) throws FormatException {
        if (r.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            Span run = r.span();
            int width = field.encoding.width;
            if (width > 0 && run.length() % width != 0) {
                throw new FormatException(field.protoName() + " at offset " + run.offset() + " holds " + run.length()
                        + " bytes, not a whole number of " + width + "-byte values");
            }
            if (v.packedRuns == 0) v.firstPacked = run;
            v.packedRuns++;
            v.packedBytes += run.length();
            return;
        }
        int expected = switch (field.encoding) {
            case VARINT -> WireFormat.WIRETYPE_VARINT;
            case FIXED32 -> WireFormat.WIRETYPE_FIXED32;
            case FIXED64 -> WireFormat.WIRETYPE_FIXED64;
        };
        r.expect(expected, field.protoName());
        r.skip();
        v.unpacked++;
    }
}
