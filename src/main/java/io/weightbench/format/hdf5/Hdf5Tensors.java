package io.weightbench.format.hdf5;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** How a dataset's values are stored. */
    public enum Layout { CONTIGUOUS, CHUNKED, COMPACT, OTHER }

    /** Where a dataset's stored bytes are decoded from, given its shape and element size. */
    public interface Stored {
        DecodedSource.Decoder decoder(long[] shape, int elementSize) throws FormatException;
    }

    /**
     * What a parser found in a dataset's header: all a tensor needs, no data.
     *
     * @param element the element type (when {@link ElementType.Unsupported}, nothing else need be given)
     * @param nullSpace whether the dataspace is null (no elements, not even a scalar's)
     * @param dims the shape (empty for a scalar)
     * @param layout the storage layout; {@code layoutName} says which when {@link Layout#OTHER}
     * @param address a contiguous dataset's data address relative to the base address, -1 when never written
     * @param fill one element's fill value as the file defines it, null when it defines none
     * @param filters a chunked dataset's filter ids, in pipeline order
     * @param stored a chunked or compact dataset's bytes
     */
    public record Description(ElementType element, boolean nullSpace, long[] dims, Layout layout, String layoutName, long address,
                              byte[] fill, List<Integer> filters, Stored stored) {
        static Description notATensor(ElementType.Unsupported u) {
            return new Description(u, false, new long[0], Layout.OTHER, "", -1, null, List.of(), null);
        }
    }

    /** Reads a dataset's type, shape and layout (no data); {@code name} names it in storage keys and errors. */
    public static Result read(Hdf5File file, Hdf5Node.Dataset ds, String name) throws FormatException {
        Description d = ds.describe(name);
        if (d.element() instanceof ElementType.Unsupported u) return new NotATensor(u.reason());
        ElementType.Numeric numeric = (ElementType.Numeric) d.element();
        if (d.nullSpace()) return new NotATensor("an empty (null) dataspace");
        long[] shape = d.dims().clone();
        long numel = 1;
        int item = numeric.dtype().itemSize();
        try {
            for (long dim : shape) {
                if (dim < 0 || dim > Integer.MAX_VALUE) throw new ArithmeticException();
                numel = Math.multiplyExact(numel, dim);
            }
            Math.multiplyExact(numel, (long) item);
        } catch (ArithmeticException e) {
            throw new FormatException("HDF5 dataset '" + name + "' has an impossibly large shape " + Arrays.toString(shape));
        }
        long nbytes = numel * item;
        byte[] fill = fill(d.fill(), item);
        Map<String, String> info = new LinkedHashMap<>();
        ByteSource bytes;
        if (nbytes == 0) {
            bytes = ByteSource.of(new byte[0]);
        } else if (d.layout() == Layout.CONTIGUOUS) {
            long address = d.address();
            if (address == -1L) {
                bytes = new FillSource(file, name, nbytes, java.util.Objects.requireNonNullElse(fill, new byte[item]));
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
        } else if (d.layout() == Layout.CHUNKED) {
            info.put("hdf5_layout", "chunked");
            String filters = filterNames(d.filters());
            if (!filters.isEmpty()) info.put("hdf5_filters", filters);
            bytes = new DecodedSource(file, name, nbytes, fill, d.stored().decoder(shape, item));
        } else if (d.layout() == Layout.COMPACT) {
            info.put("hdf5_layout", "compact");
            bytes = new DecodedSource(file, name, nbytes, null, d.stored().decoder(shape, item));
        } else {
            return new NotATensor("data in an unsupported layout (" + d.layoutName() + ")");
        }
        Storage storage = new Storage(name, numeric.dtype(), numel, numeric.order(), "cpu", bytes);
        return new Tensor(TensorData.contiguous(storage, shape), info);
    }

    /** A compact dataset's bytes, which its header holds. */
    static DecodedSource.Decoder compact(String name, long nbytes, ByteBuffer b) throws FormatException {
        return sink -> {
            if (b.remaining() < nbytes) {
                throw new FormatException("HDF5 dataset '" + name + "' holds " + b.remaining() + " compact bytes but needs " + nbytes);
            }
            byte[] all = new byte[(int) nbytes];
            b.duplicate().get(all);
            sink.write(0, all, 0, all.length);
        };
    }

    private static String filterNames(List<Integer> ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            if (s.length() > 0) s.append(", ");
            s.append(switch (id) {
                case ChunkFilters.DEFLATE -> "deflate";
                case ChunkFilters.SHUFFLE -> "shuffle";
                case ChunkFilters.FLETCHER32 -> "fletcher32";
                case ChunkFilters.LZF -> "lzf";
                default -> "filter " + id;
            });
        }
        return s.toString();
    }

    /** One element's fill value; null (zeros) when the file defines none, one of another size, or zeros. */
    private static byte[] fill(byte[] value, int item) {
        if (value == null || value.length != item) return null;
        for (byte x : value) if (x != 0) return value.clone();
        return null;
    }
}
