package io.weightbench.format.hdf5;

import io.jhdf.HdfFile;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.dataset.chunked.Chunk;
import io.jhdf.dataset.chunked.ChunkedDatasetBase;
import io.jhdf.storage.HdfBackingStorage;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two places where jhdf 0.9.4 has what we need behind a non-public door, opened here and
 * nowhere else: an {@link HdfFile} over our own {@link HdfBackingStorage} (its public constructors
 * build a storage that allocates whatever a header asks for, and follow external links to any
 * path), and a chunked dataset's chunk index with each chunk's filter mask (the public API gives
 * chunks one grid offset at a time and decompresses without a size bound, ignoring the mask).
 * jhdf's version is pinned in the pom; a test fails here first if these members move.
 */
final class JhdfAccess {

    private static final Constructor<HdfFile> FILE;
    private static final Method CHUNK_LOOKUP;

    static {
        try {
            FILE = HdfFile.class.getDeclaredConstructor(HdfBackingStorage.class);
            FILE.setAccessible(true);
            CHUNK_LOOKUP = ChunkedDatasetBase.class.getDeclaredMethod("getChunkLookup");
            CHUNK_LOOKUP.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("jhdf's HdfFile(HdfBackingStorage) or getChunkLookup() is missing: " + e);
        }
    }

    private JhdfAccess() {}

    /** An HDF5 file read only through {@code storage}; jhdf reads the root group's header here. */
    static HdfFile open(HdfBackingStorage storage) {
        try {
            return FILE.newInstance(storage);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct jhdf's HdfFile: " + e, e);
        }
    }

    /** Every chunk the dataset's index lists (jhdf reads the index on first call). */
    static List<Chunk> chunks(ChunkedDataset dataset) {
        if (!(dataset instanceof ChunkedDatasetBase)) {
            throw new IllegalStateException("unexpected chunked dataset class " + dataset.getClass().getName());
        }
        try {
            Map<?, ?> lookup = (Map<?, ?>) CHUNK_LOOKUP.invoke(dataset);
            List<Chunk> out = new ArrayList<>(lookup.size());
            for (Object c : lookup.values()) out.add((Chunk) c);
            return out;
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read jhdf's chunk index: " + e, e);
        }
    }

    private static RuntimeException rethrow(InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) return r;
        if (cause instanceof Error err) throw err;
        return new IllegalStateException(String.valueOf(cause), cause);
    }
}
