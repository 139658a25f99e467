package io.weightbench.format.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.onnx.proto.OnnxProto.GraphProto;
import io.weightbench.format.onnx.proto.OnnxProto.ModelProto;
import io.weightbench.format.onnx.proto.OnnxProto.NodeProto;
import io.weightbench.format.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.weightbench.format.onnx.proto.OnnxProto.StringStringEntryProto;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * ONNX models ({@code .onnx}): each initializer of the main graph and of its subgraphs is a tensor
 * keyed by its own name, with the op that consumes it in its info. Values stay in the file: raw_data
 * and packed float_data/double_data are slices of it, external data (location/offset/length) slices
 * of a file beside it; values written as varints (int32_data, int64_data, uint64_data) are decoded
 * when read, within a bound. The protobuf is walked field by field over the mapped file, never
 * parsed whole.
 */
public final class OnnxReader implements CheckpointReader {

    static final String FORMAT = "onnx";
    /** Tensors held as varints are decoded into memory when read; all of them together at most this much. */
    static final long MAX_DECODED = 64L << 20;
    /** More initializers than any real model has; beyond it the file is refused before memory runs out. */
    static final int MAX_INITIALIZERS = 500_000;
    /** Together, the initializers' names, dims and external data keys take at most this much. */
    static final long MAX_HEADERS = 64L << 20;
    /** Metadata entries (metadata_props, opset imports) shown; more are counted in a warning. */
    static final int MAX_METADATA = 256;
    /** A metadata or opset entry longer than this is skipped (with a warning). */
    static final int MAX_ENTRY = 1 << 20;
    /** Doc strings and metadata values are shown cut to this many characters. */
    static final int SHOWN_CHARS = 200;

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<ModelLayout> layout = ModelLayout.recognise(probe.file(), probe.head());
        // the layout only says the file is ONNX: open walks the model's own fields from the start anyway
        // (a handful of fields, skipped over), to read the metadata the probe did not look at
        return layout.map(l -> formats -> open(probe));
    }

    private static Checkpoint open(Probe probe) throws IOException {
        MappedFile file = probe.file();
        if (file.size() > WireReader.MAX_REGION) {
            throw new FormatException("is an ONNX model of " + file.size() + " bytes, more than the 2 GiB a protobuf message"
                    + " can hold (larger models keep their weights in external data files)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        List<Span> graphs = modelFields(file, meta, warnings);

        Collector found = new Collector(file);
        for (Span g : graphs) new GraphWalker(file, found).walk(g);

        // the main graph's initializers first: the walk meets a node's subgraphs before the initializers
        // that follow the nodes in the file
        found.initializers.sort(java.util.Comparator.comparingInt(i -> i.subgraph().isEmpty() ? 0 : 1));
        Set<String> names = new LinkedHashSet<>();
        for (Initializer i : found.initializers) names.add(i.name());
        Consumers consumers = new Consumers(names);
        GraphWalker.Visitor nodes = new GraphWalker.Visitor() {
            @Override public boolean wantsNodes() { return true; }

            @Override public void node(NodeProto node, String subgraph) { consumers.node(node); }
        };
        for (Span g : graphs) new GraphWalker(file, nodes).walk(g);

        InitializerTensors tensors = new InitializerTensors(file, probe.files());
        TensorKeys keys = new TensorKeys();
        PyDict root = new PyDict();
        for (Initializer init : found.initializers) {
            Optional<TensorValue> t = tensors.tensor(init, consumers.info(init.name()));
            if (t.isPresent()) root.put(keys.key(init.name()), t.get());
        }
        keys.warnings(warnings);
        tensors.warnings(warnings);
        found.warnings(warnings);

        meta.putAll(found.graphMeta);
        meta.put("nodes", Integer.toString(found.nodes));
        meta.put("initializers", Integer.toString(found.initializers.size()));
        if (found.subgraphs > 0) meta.put("subgraphs", Integer.toString(found.subgraphs));
        if (!tensors.externalFiles().isEmpty()) meta.put("external_data", String.join(", ", tensors.externalFiles()));
        return Checkpoint.of(probe.path(), FORMAT, root, meta, warnings, List.of(probe.files()));
    }

    /** Reads the ModelProto's own fields into metadata; returns where its graph (normally one) lies. */
    private static List<Span> modelFields(MappedFile file, Map<String, String> meta, List<String> warnings) throws IOException {
        WireReader r = WireReader.of(file, new Span(0, file.size()));
        List<Span> graphs = new ArrayList<>();
        List<String> opsets = new ArrayList<>();
        int props = 0;
        int skipped = 0;
        int training = 0;
        int functions = 0;
        while (r.next()) {
            int f = r.field();
            switch (f) {
                case ModelProto.IR_VERSION_FIELD_NUMBER, ModelProto.MODEL_VERSION_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_VARINT, f == 1 ? "ir_version" : "model_version");
                    meta.put(f == 1 ? "ir_version" : "model_version", Long.toString(r.varint()));
                }
                case ModelProto.PRODUCER_NAME_FIELD_NUMBER, ModelProto.PRODUCER_VERSION_FIELD_NUMBER,
                        ModelProto.DOMAIN_FIELD_NUMBER, ModelProto.DOC_STRING_FIELD_NUMBER -> {
                    String name = switch (f) {
                        case ModelProto.PRODUCER_NAME_FIELD_NUMBER -> "producer_name";
                        case ModelProto.PRODUCER_VERSION_FIELD_NUMBER -> "producer_version";
                        case ModelProto.DOMAIN_FIELD_NUMBER -> "domain";
                        default -> "doc_string";
                    };
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, name);
                    String text = WireReader.text(file, r.span(), SHOWN_CHARS);
                    if (!text.isEmpty()) meta.put(name, text);
                }
                case ModelProto.GRAPH_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "the graph");
                    graphs.add(r.span());
                }
                case ModelProto.OPSET_IMPORT_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "an opset import");
                    Span s = r.span();
                    if (s.length() > MAX_ENTRY || opsets.size() >= MAX_METADATA) {
                        skipped++;
                        continue;
                    }
                    OperatorSetIdProto o = parse(() -> OperatorSetIdProto.parseFrom(WireReader.bytes(file, s)), "an opset import", s);
                    opsets.add((o.getDomain().isEmpty() ? "ai.onnx" : Text.shorten(o.getDomain())) + " " + o.getVersion());
                }
                case ModelProto.METADATA_PROPS_FIELD_NUMBER -> {
                    r.expect(WireFormat.WIRETYPE_LENGTH_DELIMITED, "a metadata entry");
                    Span s = r.span();
                    if (s.length() > MAX_ENTRY || props >= MAX_METADATA) {
                        skipped++;
                        continue;
                    }
                    StringStringEntryProto e = parse(() -> StringStringEntryProto.parseFrom(WireReader.bytes(file, s)), "a metadata entry", s);
                    meta.put("metadata_props." + Text.shorten(e.getKey()), Text.abbreviate(e.getValue(), SHOWN_CHARS));
                    props++;
                }
                case ModelProto.TRAINING_INFO_FIELD_NUMBER -> {
                    training++;
                    r.skip();
                }
                case ModelProto.FUNCTIONS_FIELD_NUMBER -> {
                    functions++;
                    r.skip();
                }
                default -> r.skip();
            }
        }
        if (!opsets.isEmpty()) meta.put("opset_import", String.join(", ", opsets));
        if (functions > 0) meta.put("functions", Integer.toString(functions));
        if (graphs.size() > 1) meta.put("graph_fields", Integer.toString(graphs.size()));
        if (graphs.isEmpty()) throw new FormatException("is an ONNX model without a graph");
        if (training > 0) {
            warnings.add("the model holds " + training + " training_info entr" + (training == 1 ? "y" : "ies")
                    + " (training graphs); their initializers are not read");
        }
        if (skipped > 0) warnings.add(skipped + " metadata or opset entries beyond the first " + MAX_METADATA + " (or over 1 MiB) are not shown");
        return graphs;
    }

    /** A generated-class parse that may fail. */
    interface Parse<T> {
        T get() throws IOException;
    }

    static <T> T parse(Parse<T> p, String what, Span s) throws IOException {
        try {
            return p.get();
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException(what + " at offset " + s.offset() + " is malformed (" + e.getMessage() + ")");
        }
    }

    /** The first pass: every initializer's header and location, the graphs' names, counts of nodes and subgraphs. */
    private static final class Collector implements GraphWalker.Visitor {
        final MappedFile file;
        final List<Initializer> initializers = new ArrayList<>();
        final Map<String, String> graphMeta = new LinkedHashMap<>();
        final List<String> sparse = new ArrayList<>();
        int sparseCount;
        int nodes;
        int subgraphs;
        long headerBytes;

        Collector(MappedFile file) { this.file = file; }

        @Override
        public void initializer(Span tensor, String subgraph) throws IOException {
            if (initializers.size() >= MAX_INITIALIZERS) {
                throw new FormatException("holds more than " + MAX_INITIALIZERS + " initializers");
            }
            Initializer i = Initializer.read(file, tensor, subgraph);
            headerBytes += i.header().getSerializedSize();
            if (headerBytes > MAX_HEADERS) {
                throw new FormatException("its initializers' names, dims and external data keys take more than " + MAX_HEADERS + " bytes");
            }
            initializers.add(i);
        }

        @Override
        public void sparseInitializer(Span tensor, String subgraph) throws IOException {
            sparseCount++;
            if (sparse.size() < 10) sparse.add(SparseNames.describe(file, tensor));
        }

        @Override
        public void nodeSeen(String subgraph) {
            if (subgraph.isEmpty()) nodes++;
        }

        @Override
        public void subgraph(String path) { subgraphs++; }

        @Override
        public void graphField(int field, Span value, String subgraph) throws IOException {
            if (!subgraph.isEmpty()) return;
            if (field == GraphProto.NAME_FIELD_NUMBER) {
                graphMeta.put("graph_name", WireReader.text(file, value, SHOWN_CHARS));
            } else if (field == GraphProto.DOC_STRING_FIELD_NUMBER) {
                graphMeta.put("graph_doc_string", WireReader.text(file, value, SHOWN_CHARS));
            } else if (value.length() <= MAX_ENTRY && graphMeta.size() < MAX_METADATA) {
                StringStringEntryProto e = parse(() -> StringStringEntryProto.parseFrom(WireReader.bytes(file, value)), "a graph metadata entry", value);
                graphMeta.put("graph_metadata_props." + Text.shorten(e.getKey()), Text.abbreviate(e.getValue(), SHOWN_CHARS));
            }
        }

        void warnings(List<String> warnings) {
            if (sparseCount == 0) return;
            warnings.add(sparseCount + " sparse initializer" + (sparseCount == 1 ? " is" : "s are")
                    + " not listed (their values and indices are not a dense tensor in the file): " + String.join(", ", sparse)
                    + (sparseCount > sparse.size() ? ", ..." : ""));
        }
    }
}
