package io.weightbench.format.hdf5;

import io.jhdf.AbstractNode;
import io.jhdf.ObjectHeader;
import io.jhdf.api.Attribute;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.dataset.CompactDataset;
import io.jhdf.filter.PipelineFilterWithData;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.OpaqueDataType;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import io.jhdf.object.message.DataLayout;
import io.jhdf.object.message.DataSpaceMessage;
import io.jhdf.object.message.FillValueMessage;
import io.jhdf.object.message.FillValueOldMessage;
import io.weightbench.format.FormatException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HDF5 objects as jhdf reads them: the reference the fast listing ({@link Hdf5Metadata}) falls
 * back to for a file it does not fully understand, and the reader of chunked datasets' data. Every
 * call into jhdf goes through {@link Hdf5File#call}.
 */
final class JhdfNodes {

    private JhdfNodes() {}

    static Hdf5Node wrap(Hdf5File file, io.jhdf.api.Node n) throws FormatException {
        if (n instanceof io.jhdf.api.Link) return new Hdf5Node.Link();
        if (n instanceof io.jhdf.api.Dataset d) return new JDataset(file, d);
        if (n instanceof io.jhdf.api.Group g) return new JGroup(file, g);
        return new Hdf5Node.Other(file.call("reading '" + n.getName() + "'", n::getAddress));
    }

    private abstract static class JNode {
        final Hdf5File file;
        final io.jhdf.api.Node node;

        JNode(Hdf5File file, io.jhdf.api.Node node) {
            this.file = file;
            this.node = node;
        }

        public long address() throws FormatException {
            return file.call("reading '" + node.getName() + "'", node::getAddress);
        }

        public Optional<List<String>> strings(String name) throws FormatException {
            String what = "reading attribute '" + name + "'";
            Attribute a = file.call(what, () -> node.getAttribute(name));
            if (a == null) return Optional.empty();
            DataType type = file.call(what, a::getDataType);
            long count = file.call(what, a::getSize);
            ByteBuffer buffer = file.call(what, a::getBuffer);
            Hdf5Attributes.Kind kind;
            if (type instanceof StringData) kind = Hdf5Attributes.Kind.FIXED_STRING;
            else if (type instanceof VariableLength v && v.isVariableLengthString()) kind = Hdf5Attributes.Kind.VARIABLE_STRING;
            else if (type instanceof FixedPoint || type instanceof FloatingPoint) kind = Hdf5Attributes.Kind.NUMBER;
            else kind = Hdf5Attributes.Kind.OTHER;
            boolean spacePadded = type instanceof StringData s && s.getPaddingType() == StringData.PaddingType.SPACE_PADDED;
            return Optional.of(Hdf5Attributes.decode(name, kind, type.getClass().getSimpleName(), count, type.getSize(), buffer,
                    spacePadded, () -> {
                        List<String> out = new ArrayList<>();
                        flatten(file.call(what, a::getData), out, 0);
                        return out;
                    }));
        }
    }

    static final class JGroup extends JNode implements Hdf5Node.Group {
        private final io.jhdf.api.Group group;

        JGroup(Hdf5File file, io.jhdf.api.Group group) {
            super(file, group);
            this.group = group;
        }

        @Override
        public Map<String, Hdf5Node> children() throws FormatException {
            Map<String, io.jhdf.api.Node> children = file.call("reading the children of group '" + group.getPath() + "'", group::getChildren);
            Map<String, Hdf5Node> out = new LinkedHashMap<>();
            for (Map.Entry<String, io.jhdf.api.Node> e : children.entrySet()) out.put(e.getKey(), wrap(file, e.getValue()));
            return out;
        }

        @Override
        public Optional<Hdf5Node> child(String name) throws FormatException {
            io.jhdf.api.Node n = file.call("looking for '" + name + "'", () -> group.getChild(name));
            return n == null ? Optional.empty() : Optional.of(wrap(file, n));
        }
    }

    private static final class JDataset extends JNode implements Hdf5Node.Dataset {
        private final io.jhdf.api.Dataset ds;

        JDataset(Hdf5File file, io.jhdf.api.Dataset ds) {
            super(file, ds);
            this.ds = ds;
        }

        @Override
        public Hdf5Tensors.Description describe(String name) throws FormatException {
            DataType type = file.call("reading the type of '" + name + "'", ds::getDataType);
            Optional<String> dtypeAttribute = type instanceof OpaqueDataType ? Hdf5Attributes.string(file, this, "dtype") : Optional.empty();
            ElementType element = file.call("reading the type of '" + name + "'", () -> ElementType.of(type, dtypeAttribute));
            if (element instanceof ElementType.Unsupported u) return Hdf5Tensors.Description.notATensor(u);
            ObjectHeader header = file.call("reading the header of '" + name + "'", () -> ((AbstractNode) ds).getHeader());
            boolean nullSpace = file.call("reading the dataspace of '" + name + "'",
                    () -> header.getMessageOfType(DataSpaceMessage.class).getDataSpace().getType() == 2);
            if (nullSpace) return new Hdf5Tensors.Description(element, true, new long[0], Hdf5Tensors.Layout.OTHER, "", -1, null, List.of(), null);
            int[] intDims = file.call("reading the shape of '" + name + "'", ds::getDimensions);
            long[] dims = new long[intDims.length];
            for (int i = 0; i < dims.length; i++) dims[i] = intDims[i] < 0 ? -1 : intDims[i];
            DataLayout layout = file.call("reading the layout of '" + name + "'", ds::getDataLayout);
            byte[] fill = fill(header, name);
            if (layout == DataLayout.CONTIGUOUS && ds instanceof ContiguousDataset c) {
                long address = file.call("reading the data address of '" + name + "'", c::getDataAddress);
                return new Hdf5Tensors.Description(element, false, dims, Hdf5Tensors.Layout.CONTIGUOUS, "", address, fill, List.of(), null);
            }
            if (layout == DataLayout.CHUNKED && ds instanceof ChunkedDataset cd) {
                List<Integer> filters = new ArrayList<>();
                for (PipelineFilterWithData f : file.call("reading the filters of '" + name + "'", cd::getFilters)) filters.add(f.getId());
                return new Hdf5Tensors.Description(element, false, dims, Hdf5Tensors.Layout.CHUNKED, "", -1, fill, filters,
                        (shape, item) -> new ChunkAssembler(file, cd, name, shape, item));
            }
            if (layout == DataLayout.COMPACT && ds instanceof CompactDataset cp) {
                return new Hdf5Tensors.Description(element, false, dims, Hdf5Tensors.Layout.COMPACT, "", -1, fill, List.of(),
                        (shape, item) -> sink -> Hdf5Tensors.compact(name, numel(shape) * item,
                                file.call("reading the compact data of '" + name + "'", cp::getDataBuffer)).decodeInto(sink));
            }
            return new Hdf5Tensors.Description(element, false, dims, Hdf5Tensors.Layout.OTHER, String.valueOf(layout), -1, fill, List.of(), null);
        }

        /** One element's fill value as the file defines it (the newer message first); null when it defines none. */
        private byte[] fill(ObjectHeader header, String name) throws FormatException {
            ByteBuffer value = file.call("reading the fill value of '" + name + "'", () -> {
                if (header.hasMessageOfType(FillValueMessage.class)) {
                    FillValueMessage m = header.getMessageOfType(FillValueMessage.class);
                    return m.isFillValueDefined() ? m.getFillValue() : null;
                }
                if (header.hasMessageOfType(FillValueOldMessage.class)) return header.getMessageOfType(FillValueOldMessage.class).getFillValue();
                return null;
            });
            if (value == null) return null;
            byte[] b = new byte[value.remaining()];
            value.duplicate().get(b);
            return b;
        }
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    private static void flatten(Object data, List<String> out, int depth) throws FormatException {
        if (data == null) return;
        if (data instanceof String s) {
            out.add(s);
        } else if (data.getClass().isArray() && depth < 32) {
            int n = Array.getLength(data);
            for (int i = 0; i < n; i++) flatten(Array.get(data, i), out, depth + 1);
        } else {
            throw new FormatException("HDF5 attribute holds " + data.getClass().getSimpleName() + " values, not strings");
        }
    }
}
