package io.weightbench.format.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.weightbench.format.FormatException;
import io.weightbench.format.onnx.proto.OnnxProto.AttributeProto;
import io.weightbench.format.onnx.proto.OnnxProto.GraphProto;
import io.weightbench.format.onnx.proto.OnnxProto.NodeProto;
import io.weightbench.tensor.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a GraphProto in the file and the subgraphs its nodes hold (If branches, Loop and Scan
 * bodies), handing each initializer's region and each node to a visitor. Nodes are parsed with the
 * generated classes, without the attributes that hold tensors or graphs; subgraphs are walked in
 * place, as regions of the file, never copied.
 */
final class GraphWalker {

    /** Subgraphs nested deeper than this are refused (real models nest a few levels). */
    static final int MAX_DEPTH = 32;
    /** A node's names and small attributes together are at most this long. */
    static final int MAX_NODE = 4 << 20;
    /** A string attribute longer than this is left out of a node (only short ones, like an LSTM's direction, matter here). */
    static final int MAX_STRING_ATTRIBUTE = 4096;

    /** What a walk reports. Subgraph paths are "" for the main graph, else e.g. {@code If_0.then_branch}. */
    interface Visitor {
        default void initializer(Span tensor, String subgraph) throws IOException {}

        default void sparseInitializer(Span tensor, String subgraph) throws IOException {}

        /** Whether {@link #node} is wanted: parsing every node costs time a walk for initializers can save. */
        default boolean wantsNodes() { return false; }

        default void node(NodeProto node, String subgraph) throws IOException {}

        /** Called for every node, parsed or not. */
        default void nodeSeen(String subgraph) {}

        default void subgraph(String path) throws IOException {}

        /** The graph's name, doc string and metadata fields (field numbers of GraphProto). */
        default void graphField(int field, Span value, String subgraph) throws IOException {}
    }

    private final ByteSource file;
    private final Visitor visitor;

    GraphWalker(ByteSource file, Visitor visitor) {
        this.file = file;
        this.visitor = visitor;
    }

    void walk(Span graph) throws IOException {
        walkGraph(graph, "", 0);
    }

    private void walkGraph(Span span, String path, int depth) throws IOException {
        WireReader r = WireReader.of(file, span);
        int index = 0;
        while (r.next()) {
            switch (r.field()) {
                case GraphProto.NODE_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a node");
                    walkNode(r.span(), path, depth, index++);
                }
                case GraphProto.INITIALIZER_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "an initializer");
                    visitor.initializer(r.span(), path);
                }
                case GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a sparse initializer");
                    visitor.sparseInitializer(r.span(), path);
                }
                case GraphProto.NAME_FIELD_NUMBER, GraphProto.DOC_STRING_FIELD_NUMBER, GraphProto.METADATA_PROPS_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a graph's name or doc string");
                    visitor.graphField(r.field(), r.span(), path);
                }
                default -> r.skip();
            }
        }
    }

    private record Subgraph(String attribute, Span span, int index) {}

    /** A node's attributes and subgraphs are at most this many (If has two branches; real nodes have a few attributes). */
    static final int MAX_ATTRIBUTES = 4096;

    private void walkNode(Span span, String path, int depth, int index) throws IOException {
        WireReader r = WireReader.of(file, span);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(kept, 256);
        List<Subgraph> subgraphs = new ArrayList<>();
        int attributes = 0;
        while (r.next()) {
            switch (r.field()) {
                case NodeProto.INPUT_FIELD_NUMBER, NodeProto.OUTPUT_FIELD_NUMBER, NodeProto.NAME_FIELD_NUMBER,
                        NodeProto.OP_TYPE_FIELD_NUMBER, NodeProto.DOMAIN_FIELD_NUMBER -> r.copyTo(out, MAX_NODE);
                case NodeProto.ATTRIBUTE_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "an attribute");
                    if (++attributes > MAX_ATTRIBUTES) throw new FormatException(what(span) + " has more than " + MAX_ATTRIBUTES + " attributes");
                    out.writeByteArray(NodeProto.ATTRIBUTE_FIELD_NUMBER, attribute(r.span(), subgraphs, span));
                }
                default -> r.skip();
            }
            if (out.getTotalBytesWritten() > MAX_NODE) {
                throw new FormatException(what(span) + " has more than " + MAX_NODE + " bytes of names and attribute values");
            }
        }
        visitor.nodeSeen(path);
        if (!visitor.wantsNodes() && subgraphs.isEmpty()) return;
        out.flush();
        NodeProto node;
        try {
            node = NodeProto.parseFrom(kept.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException(what(span) + " is malformed (" + e.getMessage() + ")");
        }
        if (visitor.wantsNodes()) visitor.node(node, path);
        if (subgraphs.isEmpty()) return;
        if (depth + 1 > MAX_DEPTH) throw new FormatException("subgraphs are nested more than " + MAX_DEPTH + " deep");
        String label = node.getName().isEmpty() ? node.getOpType() + "#" + index : node.getName();
        for (Subgraph s : subgraphs) {
            String sub = (path.isEmpty() ? "" : path + "/") + label + "." + s.attribute() + (s.index() >= 0 ? "[" + s.index() + "]" : "");
            visitor.subgraph(sub);
            walkGraph(s.span(), sub, depth + 1);
        }
    }

    private static String what(Span node) {
        return "a node at offset " + node.offset();
    }

    /**
     * An attribute's bytes without its tensors, graphs and long strings (the node parses them); the
     * graphs it holds are added to {@code subgraphs}, to be walked after the node.
     */
    private byte[] attribute(Span span, List<Subgraph> subgraphs, Span node) throws IOException {
        WireReader r = WireReader.of(file, span);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(kept, 64);
        List<Span> graphs = new ArrayList<>();
        Span single = null;
        String name = "";
        while (r.next()) {
            switch (r.field()) {
                case AttributeProto.NAME_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "an attribute's name");
                    Span s = r.span();
                    if (s.length() > MAX_NODE) throw new FormatException(what(node) + " has an attribute name of " + s.length() + " bytes");
                    byte[] b = r.bytes(s);
                    out.writeByteArray(AttributeProto.NAME_FIELD_NUMBER, b);
                    name = new String(b, java.nio.charset.StandardCharsets.UTF_8);
                }
                case AttributeProto.TYPE_FIELD_NUMBER, AttributeProto.F_FIELD_NUMBER, AttributeProto.I_FIELD_NUMBER,
                        AttributeProto.INTS_FIELD_NUMBER, AttributeProto.REF_ATTR_NAME_FIELD_NUMBER -> r.copyTo(out, MAX_NODE);
                case AttributeProto.S_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a string attribute");
                    Span s = r.span();
                    if (s.length() <= MAX_STRING_ATTRIBUTE) out.writeByteArray(AttributeProto.S_FIELD_NUMBER, r.bytes(s));
                }
                case AttributeProto.G_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a graph attribute");
                    single = r.span();
                }
                case AttributeProto.GRAPHS_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a graphs attribute");
                    if (subgraphs.size() + graphs.size() >= MAX_ATTRIBUTES) {
                        throw new FormatException(what(node) + " holds more than " + MAX_ATTRIBUTES + " subgraphs");
                    }
                    graphs.add(r.span());
                }
                default -> r.skip();
            }
            if (out.getTotalBytesWritten() > MAX_NODE) throw new FormatException(what(node) + " has an attribute of more than " + MAX_NODE + " bytes");
        }
        out.flush();
        if (single != null) subgraphs.add(new Subgraph(name, single, -1));
        for (int i = 0; i < graphs.size(); i++) subgraphs.add(new Subgraph(name, graphs.get(i), i));
        return kept.toByteArray();
    }
}
