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
 * strings, and a graph (field 7) whose first field is a GraphProto field. A TensorFlow SavedModel
 * (also field 1 = 1, then a long field 2), other protobufs and random bytes fail one of these.
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
            for (int i = 0; i < MAX_FIELDS_BEFORE_GRAPH && r.next(); i++) {
                int f = r.field();
                boolean varint = f == ModelProto.IR_VERSION_FIELD_NUMBER || f == ModelProto.MODEL_VERSION_FIELD_NUMBER;
                boolean known = varint || f == ModelProto.PRODUCER_NAME_FIELD_NUMBER || f == ModelProto.PRODUCER_VERSION_FIELD_NUMBER
                        || f == ModelProto.DOMAIN_FIELD_NUMBER || f == ModelProto.DOC_STRING_FIELD_NUMBER
                        || f == ModelProto.GRAPH_FIELD_NUMBER || f == ModelProto.OPSET_IMPORT_FIELD_NUMBER
                        || f == ModelProto.METADATA_PROPS_FIELD_NUMBER || f == ModelProto.TRAINING_INFO_FIELD_NUMBER
                        || f == ModelProto.FUNCTIONS_FIELD_NUMBER || f == 26; // 26: configuration
                int type = varint ? WireFormat.WIRETYPE_VARINT : WireFormat.WIRETYPE_LENGTH_DELIMITED;
                if (!known || r.wireType() != type) return Optional.empty();
                if (varint) {
                    r.varint();
                    continue;
                }
                Span s = r.span();
                if (f == ModelProto.GRAPH_FIELD_NUMBER) {
                    return startsLikeGraph(file, s) ? Optional.of(new ModelLayout(ir, s)) : Optional.empty();
                }
                boolean name = f == ModelProto.PRODUCER_NAME_FIELD_NUMBER || f == ModelProto.PRODUCER_VERSION_FIELD_NUMBER
                        || f == ModelProto.DOMAIN_FIELD_NUMBER;
                if (name && !readableName(file, s)) return Optional.empty();
            }
            return Optional.empty();
        } catch (FormatException notOnnx) {
            return Optional.empty();
        }
    }

    private static boolean startsLikeGraph(ByteSource file, Span graph) throws IOException {
        if (graph.length() == 0) return true;
        WireReader r = WireReader.of(file, graph);
        return r.next() && GRAPH_FIELDS.contains(r.field()) && r.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED;
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
