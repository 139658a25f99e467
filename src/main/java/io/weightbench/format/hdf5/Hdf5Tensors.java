package io.weightbench.format.hdf5;

import io.jhdf.AbstractNode;
import io.jhdf.ObjectHeader;
import io.jhdf.api.Dataset;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.dataset.CompactDataset;
import io.jhdf.filter.PipelineFilterWithData;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.OpaqueDataType;
import io.jhdf.object.message.DataLayout;
import io.jhdf.object.message.DataSpaceMessage;
import io.jhdf.object.message.FillValueMessage;
import io.jhdf.object.message.FillValueOldMessage;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One HDF5 dataset as a lazy tensor. A contiguous dataset is a view of the file at its data
 * address (checked to lie inside the file); a chunked or compact one is decoded on first read
 * ({@link DecodedSource}); one never written reads as its fill value. Datasets of strings,
 * references and other non-numeric types are not tensors: the caller gets the reason.
 */
public final class Hdf5Tensors {

    /** What a dataset is: a tensor, or something else (and what). */
    public sealed interface Result {}

    /**
     * @param data the lazy tensor
     * @param info facts shown beside it (storage layout and filters when not plain contiguous)
     */
    public record Tensor(TensorData data, Map<String, String> info) implements Result {}

    public record NotATensor(String reason) implements Result {}

    private Hdf5Tensors() {}

    /** Reads a dataset's type, shape and layout (no data); {@code name} names it in storage keys and errors. */
    public static Result read(Hdf5File file, Dataset ds, String name) throws FormatException {
        DataType type = file.call("reading the type of '" + name + "'", ds::getDataType);
        Optional<String> dtypeAttribute = type instanceof OpaqueDataType ? Hdf5Attributes.string(file, ds, "dtype") : Optional.empty();
        ElementType element = file.call("reading the type of '" + name + "'", () -> ElementType.of(type, dtypeAttribute));
        if (element instanceof ElementType.Unsupported u) return new NotATensor(u.reason());
        ElementType.Numeric numeric = (ElementType.Numeric) element;
        ObjectHeader header = file.call("reading the header of '" + name + "'", () -> ((AbstractNode) ds).getHeader());
        boolean nullSpace = file.call("reading the dataspace of '" + name + "'",
                () -> header.getMessageOfType(DataSpaceMessage.class).getDataSpace().getType() == 2);
        if (nullSpace) return new NotATensor("an empty (null) dataspace");
        int[] intDims = file.call("reading the shape of '" + name + "'", ds::getDimensions);
        long[] shape = new long[intDims.length];
        long numel = 1;
        int item = numeric.dtype().itemSize();
        try {
            for (int d = 0; d < shape.length; d++) {
                if (intDims[d] < 0) throw new ArithmeticException();
                shape[d] = intDims[d];
                numel = Math.multiplyExact(numel, shape[d]);
            }
            Math.multiplyExact(numel, (long) item);
        } catch (ArithmeticException e) {
            throw new FormatException("HDF5 dataset '" + name + "' has an impossibly large shape " + Arrays.toString(intDims));
        }
        long nbytes = numel * item;
        DataLayout layout = file.call("reading the layout of '" + name + "'", ds::getDataLayout);
        Map<String, String> info = new LinkedHashMap<>();
        ByteSource bytes;
        if (nbytes == 0) {
            bytes = ByteSource.of(new byte[0]);
        } else if (layout == DataLayout.CONTIGUOUS && ds instanceof ContiguousDataset c) {
            long address = file.call("reading the data address of '" + name + "'", c::getDataAddress);
            if (address == -1L) {
                bytes = new FillSource(file, name, nbytes, java.util.Objects.requireNonNullElse(fill(file, header, name, item), new byte[item]));
                info.put("hdf5_layout", "contiguous, never written (fill value)");
            } else {
                long size = file.source().size();
                long start = file.baseAddress() + address;
                if (address < 0 || start < 0 || start > size || nbytes > size - start) {
                    throw new FormatException("HDF5 dataset '" + name + "' (" + numeric.dtype() + Arrays.toString(shape) + ", "
                            + nbytes + " bytes at offset " + Long.toUnsignedString(start) + ") runs past the end of the file ("
                            + size + " bytes; truncated?)");
                }
                bytes = file.source().slice(start, nbytes);
            }
        } else if (layout == DataLayout.CHUNKED && ds instanceof ChunkedDataset cd) {
            info.put("hdf5_layout", "chunked");
            String filters = filterNames(file, cd, name);
            if (!filters.isEmpty()) info.put("hdf5_filters", filters);
            bytes = new DecodedSource(file, name, nbytes, fill(file, header, name, item), new ChunkAssembler(file, cd, name, shape, item));
        } else if (layout == DataLayout.COMPACT && ds instanceof CompactDataset cp) {
            info.put("hdf5_layout", "compact");
            bytes = new DecodedSource(file, name, nbytes, null, sink -> {
                ByteBuffer b = file.call("reading the compact data of '" + name + "'", cp::getDataBuffer);
                if (b.remaining() < nbytes) {
                    throw new FormatException("HDF5 dataset '" + name + "' holds " + b.remaining() + " compact bytes but needs " + nbytes);
                }
                byte[] all = new byte[(int) nbytes];
                b.duplicate().get(all);
                sink.write(0, all, 0, all.length);
            });
        } else {
            return new NotATensor("data in an unsupported layout (" + layout + ")");
        }
        Storage storage = new Storage(name, numeric.dtype(), numel, numeric.order(), "cpu", bytes);
        return new Tensor(TensorData.contiguous(storage, shape), info);
    }

    private static String filterNames(Hdf5File file, ChunkedDataset cd, String name) throws FormatException {
        StringBuilder s = new StringBuilder();
        for (PipelineFilterWithData f : file.call("reading the filters of '" + name + "'", cd::getFilters)) {
            if (s.length() > 0) s.append(", ");
            s.append(switch (f.getId()) {
                case ChunkFilters.DEFLATE -> "deflate";
                case ChunkFilters.SHUFFLE -> "shuffle";
                case ChunkFilters.FLETCHER32 -> "fletcher32";
                case ChunkFilters.LZF -> "lzf";
                default -> "filter " + f.getId();
            });
        }
        return s.toString();
    }

    /** One element's fill value as the file defines it; null (zeros) when it defines none. */
    private static byte[] fill(Hdf5File file, ObjectHeader header, String name, int item) throws FormatException {
        ByteBuffer value = file.call("reading the fill value of '" + name + "'", () -> {
            if (header.hasMessageOfType(FillValueMessage.class)) {
                FillValueMessage m = header.getMessageOfType(FillValueMessage.class);
                return m.isFillValueDefined() ? m.getFillValue() : null;
            }
            if (header.hasMessageOfType(FillValueOldMessage.class)) return header.getMessageOfType(FillValueOldMessage.class).getFillValue();
            return null;
        });
        if (value == null || value.remaining() != item) return null;
        byte[] b = new byte[item];
        value.duplicate().get(b);
        for (byte x : b) if (x != 0) return b;
        return null;
    }
}
