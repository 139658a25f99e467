package io.weightbench.format.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.weightbench.format.onnx.proto.OnnxProto.SparseTensorProto;
import io.weightbench.tensor.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Describes a sparse initializer for the warning that says it is not listed: its name (its values
 * tensor's) and dense shape. Sparse tensors are rare in checkpoints and their dense form is not in
 * the file, so they are named rather than expanded.
 */
final class SparseNames {

    private SparseNames() {}

    static String describe(ByteSource file, Span span) throws IOException {
        WireReader r = WireReader.of(file, span);
        String name = "";
        ByteArrayOutputStream dims = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(dims, 64);
        while (r.next()) {
            if (r.field() == SparseTensorProto.VALUES_FIELD_NUMBER) {
                r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a sparse tensor's values");
                name = Initializer.read(file, r.span(), "").name();
            } else if (r.field() == SparseTensorProto.DIMS_FIELD_NUMBER && out.getTotalBytesWritten() < 4096) {
                r.copyTo(out, 4096);
            } else {
                r.skip();
            }
        }
        out.flush();
        SparseTensorProto s = OnnxReader.parse(() -> SparseTensorProto.parseFrom(dims.toByteArray()), "a sparse initializer", span);
        long[] shape = s.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return "'" + Text.shorten(name) + "' " + Arrays.toString(shape);
    }
}
