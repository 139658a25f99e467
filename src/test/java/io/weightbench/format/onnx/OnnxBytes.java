package io.weightbench.format.onnx;

import com.google.protobuf.CodedOutputStream;
import io.weightbench.format.onnx.proto.OnnxProto.TensorProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Protobuf bytes for ONNX files made in tests: fields written by hand where a test needs lengths the generated classes would not write. */
final class OnnxBytes {

    private OnnxBytes() {}

    static byte[] varint(long v) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(b);
        out.writeUInt64NoTag(v);
        out.flush();
        return b.toByteArray();
    }

    /** A length-delimited field's tag and length, without its value (which the caller writes, or leaves to a sparse file). */
    static byte[] lengthPrefix(int field, long length) throws IOException {
        return concat(varint((long) field << 3 | 2), varint(length));
    }

    static byte[] field(int field, byte[] value) throws IOException {
        return concat(lengthPrefix(field, value.length), value);
    }

    static byte[] varintField(int field, long v) throws IOException {
        return concat(varint((long) field << 3), varint(v));
    }

    /** A TensorProto's name, type and dims, without values. */
    static byte[] header(String name, int dataType, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) t.addDims(d);
        return t.build().toByteArray();
    }

    /** A model whose graph holds these initializers (each a whole TensorProto). */
    static byte[] model(byte[]... tensors) throws IOException {
        byte[] graph = new byte[0];
        for (byte[] t : tensors) graph = concat(graph, field(5, t));
        return concat(varintField(1, 8), field(2, "weightbench-test".getBytes(java.nio.charset.StandardCharsets.UTF_8)), field(7, graph));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
