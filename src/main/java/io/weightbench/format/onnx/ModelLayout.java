package io.weightbench.format.onnx;

import com.google.protobuf.WireFormat;
import io.weightbench.format.FormatException;
import io.weightbench.format.onnx.proto.OnnxProto.GraphProto;
import io.weightbench.format.onnx.proto.OnnxProto.ModelProto;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises an ONNX model by content. ONNX has no magic number, so the file must read as a
 * ModelProto from its first byte: {@code ir_version} as field 1 (every protobuf writer puts it
 * first), then only ModelProto's own fields with their own wire types, short readable producer
 * strings, and a graph (field 7) whose first fields are GraphProto fields and whose first node or
 * initializer starts like one (an empty graph only if the rest of the file is ModelProto fields to
 * its end). A TensorFlow SavedModel (also field 1 = 1, then a long field 2), other protobufs and
 * random bytes fail one of these; a truncated model still passes, so that opening it says so.
 *
 * @param irVersion the model's IR version
 * @param graph     where the main graph lies in the file
 */
record ModelLayout(long irVersion, Span graph) {

    /** IR versions run from 1 (2017) to 13 (2025); far larger numbers are not an ir_version. */
    static final long MAX_IR_VERSION = 255;
    /** Fields read before the graph is found (real files have a handful). */
    static final int MAX_FIELDS_BEFORE_GRAPH = 64;
    /** producer_name, producer_version and domain are short names. */
    static final int MAX_NAME = 1024;

    private static final Set<Integer> GRAPH_FIELDS = Set.of(GraphProto.NODE_FIELD_NUMBER, GraphProto.NAME_FIELD_NUMBER,
            GraphProto.INITIALIZER_FIELD_NUMBER, GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER, GraphProto.DOC_STRING_FIELD_NUMBER,
            11, 12, 13, 14, GraphProto.METADATA_PROPS_FIELD_NUMBER); // 11-14: input, output, value_info, quantization_annotation

    /** The layout if the file reads as an ONNX model; empty otherwise. Never fails on content. */
    static Optional<ModelLayout> recognise(ByteSource file, byte[] head) throws IOException {
        if (head.length < 4 || head[0] != 0x08) return Optional.empty();
        try {
            WireReader r = WireReader.of(file, new Span(0, Math.min(file.size(), WireReader.MAX_REGION)));
            r.next();
            long ir = r.varint();
            if (ir < 1 || ir > MAX_IR_VERSION) return Optional.empty();
            Span empty = null;
            for (int i = 0; i < MAX_FIELDS_BEFORE_GRAPH && r.next(); i++) {
                int f = r.field();
                boolean varint = f == ModelProto.IR_VERSION_FIELD_NUMBER || f == ModelProto.MODEL_VERSION_FIELD_NUMBER;
                boolean known = varint || f == ModelProto.PRODUCER_NAME_FIELD_NUMBER || f == ModelProto.PRODUCER_VERSION_FIELD_NUMBER
                        || f == ModelProto.DOMAIN_FIELD_NUMBER || f == ModelProto.DOC_STRING_FIELD_NUMBER
                        || f == ModelProto.GRAPH_FIELD_NUMBER || f == ModelProto.OPSET_IMPORT_FIELD_NUMBER
                        || f == ModelProto.METADATA_PROPS_FIELD_NUMBER || f == ModelProto.TRAINING_INFO_FIELD_NUMBER
                        || f == ModelProto.FUNCTIONS_FIELD_NUMBER || f == 26; // 26: configuration
                int type = varint ? WireFormat.WIRETYPE_VARINT : WireFormat.WIRETYPE_LENGTH_DELIMITED;
                if (!known || r.wireType() != type || !r.tagIsMinimal()) return Optional.empty();
                if (varint) {
                    r.varint();
                    continue;
                }
                if (f == ModelProto.GRAPH_FIELD_NUMBER) {
                    // a truncated model is still a model (open says it is truncated): look only at what is there
                    Span s = r.claimedSpan();
                    if (s.length() == 0) {
                        // an empty graph says little: the rest of the file must read as ModelProto fields to its end
                        empty = s;
                        continue;
                    }
                    Span present = new Span(s.offset(), Math.min(s.length(), file.size() - s.offset()));
                    if (s.length() < 0 || present.length() == 0) return Optional.empty();
                    return startsLikeGraph(file, s) ? Optional.of(new ModelLayout(ir, s)) : Optional.empty();
                }
                Span s = r.span();
                boolean name = f == ModelProto.PRODUCER_NAME_FIELD_NUMBER || f == ModelProto.PRODUCER_VERSION_FIELD_NUMBER
                        || f == ModelProto.DOMAIN_FIELD_NUMBER;
                if (name && !readableName(file, s)) return Optional.empty();
            }
            return empty != null && r.atEnd() ? Optional.of(new ModelLayout(ir, empty)) : Optional.empty();
        } catch (FormatException notOnnx) {
            return Optional.empty();
        }
    }

    /** Graph fields looked at: enough that random bytes do not pass by chance (one in about 10^5 passes the first alone). */
    static final int GRAPH_FIELDS_CHECKED = 4;

    /**
     * Whether the graph's first fields (up to {@link #GRAPH_FIELDS_CHECKED}, as far as the file
     * has them) are GraphProto fields, length-delimited, inside the graph, and its first node or
     * initializer starts with a field of its own message. {@code graph} is as claimed: it may run
     * past the end of a truncated file.
     */
    private static boolean startsLikeGraph(ByteSource file, Span graph) throws IOException {
        boolean truncated = graph.end() > file.size();
        byte[] b = new byte[(int) Math.min(Math.min(graph.length(), 4096), file.size() - graph.offset())];
        file.read(graph.offset(), b, 0, b.length);
        int[] at = {0};
        for (int checked = 0; checked < GRAPH_FIELDS_CHECKED; checked++) {
            if (at[0] >= b.length) return checked > 0;
            int start = at[0];
            long tag = varint(b, at);
            boolean minimal = at[0] - start == com.google.protobuf.CodedOutputStream.computeUInt64SizeNoTag(tag);
            long len = varint(b, at);
            if (tag < 0 || len < 0) return checked > 0 && at[0] >= b.length; // cut off by the end of what was read
            if (!minimal) return false;
            int field = (int) (tag >>> 3);
            if ((tag & 7) != WireFormat.WIRETYPE_LENGTH_DELIMITED || !GRAPH_FIELDS.contains(field) || at[0] + len > graph.length()) {
                return false;
            }
            if (checked == 0 && len > 0 && at[0] < b.length) {
                long inner = varint(b, new int[] {at[0]});
                int type = (int) (inner & 7);
                int number = (int) (inner >>> 3);
                boolean ok = inner >= 0 && switch (field) {
                    case GraphProto.NODE_FIELD_NUMBER -> number >= 1 && number <= 10 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED;
                    case GraphProto.INITIALIZER_FIELD_NUMBER -> number >= 1 && number <= 16 && number != 15
                            && type != WireFormat.WIRETYPE_START_GROUP && type != WireFormat.WIRETYPE_END_GROUP && type <= 5;
                    default -> true;
                };
                if (!ok) return false;
            }
            // the rest was not read: what was seen looks right; a truncated graph must show one whole field first
            if (at[0] + len > b.length) return !truncated || checked > 0;
            at[0] += (int) len;
        }
        return true;
    }

    /** A varint at {@code at[0]} (advanced past it); -1 if malformed or cut off. */
    private static long varint(byte[] b, int[] at) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= b.length) return -1;
            int c = b[at[0]++] & 0xff;
            v |= (long) (c & 0x7f) << shift;
            if (c < 0x80) return v;
        }
        return -1;
    }

    /** Short UTF-8 text without control characters. */
    private static boolean readableName(ByteSource file, Span s) throws IOException {
        if (s.length() > MAX_NAME) return false;
        byte[] b = WireReader.bytes(file, s);
        for (byte c : b) if ((c & 0xff) < 0x20 || c == 0x7f) return false;
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }
}
