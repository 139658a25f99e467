package io.weightbench.format.hdf5;

import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.dataset.chunked.Chunk;
import io.jhdf.filter.PipelineFilterWithData;
import io.weightbench.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles a chunked dataset in row-major order: each chunk listed by the dataset's index is read
 * (bounded), decoded through its filters to exactly one chunk's bytes, and the part of it inside
 * the dataset copied row by row to its place. Chunks the index does not list keep the fill value.
 * Chunk offsets, counts and sizes are checked against the dataset's shape before anything is
 * read, so a hostile index cannot write outside the dataset or ask for unbounded work.
 */
final class ChunkAssembler implements DecodedSource.Decoder {

    /** More chunks than any dataset Weightbench decodes has (a 4 GiB dataset in 1 KiB chunks). */
    static final long MAX_CHUNKS = 1L << 22;

    private final Hdf5File file;
    private final ChunkedDataset dataset;
    private final String name;
    private final long[] dims;
    private final int elementSize;

    ChunkAssembler(Hdf5File file, ChunkedDataset dataset, String name, long[] dims, int elementSize) {
        this.file = file;
        this.dataset = dataset;
        this.name = name;
        this.dims = dims.clone();
        this.elementSize = elementSize;
    }

    @Override
    public void decodeInto(DecodedSource.Sink sink) throws IOException {
        int rank = dims.length;
        int[] chunkDims = file.call("reading the chunk shape of '" + name + "'", dataset::getChunkDimensions);
        if (rank == 0 || chunkDims.length != rank) {
            throw new FormatException("chunked dataset '" + name + "' has chunks of rank " + chunkDims.length + " for its rank " + rank);
        }
        long chunkElements = 1;
        long grid = 1;
        try {
            for (int d = 0; d < rank; d++) {
                if (chunkDims[d] < 1) throw new FormatException("chunked dataset '" + name + "' has chunk shape " + Arrays.toString(chunkDims));
                chunkElements = Math.multiplyExact(chunkElements, chunkDims[d]);
                grid = Math.multiplyExact(grid, (dims[d] + chunkDims[d] - 1) / chunkDims[d]);
            }
            Math.multiplyExact(chunkElements, (long) elementSize);
        } catch (ArithmeticException e) {
            throw new FormatException("chunked dataset '" + name + "' has an impossibly large chunk shape " + Arrays.toString(chunkDims));
        }
        long chunkBytes = chunkElements * elementSize;
        if (chunkBytes > BoundedStorage.MAX_READ) {
            throw new FormatException("chunked dataset '" + name + "' has chunks of " + chunkBytes + " bytes, over the limit of "
                    + BoundedStorage.MAX_READ);
        }
        if (grid > MAX_CHUNKS) {
            throw new FormatException("chunked dataset '" + name + "' is split into " + grid + " chunks, over the limit of " + MAX_CHUNKS);
        }
        List<PipelineFilterWithData> filters = file.call("reading the filters of '" + name + "'", dataset::getFilters);
        List<Chunk> chunks = file.call("reading the chunk index of '" + name + "'", () -> JhdfAccess.chunks(dataset));
        if (chunks.size() > grid) {
            throw new FormatException("chunked dataset '" + name + "' lists " + chunks.size() + " chunks, more than its " + grid + " places");
        }
        long[] strides = new long[rank];
        strides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * dims[d + 1];
        for (Chunk chunk : chunks) {
            long address = chunk.getAddress();
            if (address == -1L) continue; // never written: the fill value stays
            int[] offset = chunk.getChunkOffset();
            checkOffset(offset, chunkDims);
            String where = "chunk " + Arrays.toString(offset) + " of dataset '" + name + "'";
            int size = chunk.getSize();
            ByteBuffer rawBuffer = file.call("reading " + where, () -> file.storage().map(address, size));
            byte[] raw = new byte[rawBuffer.remaining()];
            rawBuffer.get(raw);
            byte[] data = ChunkFilters.decode(raw, filters, chunk.getFilterMask(), (int) chunkBytes, elementSize, where);
            copyRows(data, offset, chunkDims, strides, sink);
        }
    }

    private void checkOffset(int[] offset, int[] chunkDims) throws FormatException {
        if (offset.length != dims.length) {
            throw new FormatException("chunked dataset '" + name + "' has a chunk at " + Arrays.toString(offset) + " of the wrong rank");
        }
        for (int d = 0; d < dims.length; d++) {
            if (offset[d] < 0 || offset[d] >= dims[d] || offset[d] % chunkDims[d] != 0) {
                throw new FormatException("chunked dataset '" + name + "' of shape " + Arrays.toString(dims) + " has a chunk at "
                        + Arrays.toString(offset) + ", not on its chunk grid " + Arrays.toString(chunkDims));
            }
        }
    }

    /** Copies the rows of one decoded chunk that lie inside the dataset (edge chunks are cut). */
    private void copyRows(byte[] data, int[] offset, int[] chunkDims, long[] strides, DecodedSource.Sink sink) throws IOException {
        int rank = dims.length;
        int last = rank - 1;
        long validInRow = Math.min(chunkDims[last], dims[last] - offset[last]);
        int rowBytes = chunkDims[last] * elementSize;
        int[] idx = new int[rank];
        long rows = data.length / rowBytes;
        for (long r = 0; r < rows; r++) {
            boolean inside = true;
            long at = offset[last];
            for (int d = 0; d < last; d++) {
                long coord = (long) offset[d] + idx[d];
                if (coord >= dims[d]) {
                    inside = false;
                    break;
                }
                at += coord * strides[d];
            }
            if (inside) sink.write(at * elementSize, data, (int) (r * rowBytes), (int) (validInRow * elementSize));
            for (int d = last - 1; d >= 0; d--) {
                if (++idx[d] < chunkDims[d]) break;
                idx[d] = 0;
            }
        }
    }
}
