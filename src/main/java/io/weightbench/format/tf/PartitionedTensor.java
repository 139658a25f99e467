package io.weightbench.format.tf;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.ConcatSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A partitioned variable's bytes assembled from its slices, when they tile it along one dimension:
 * every slice spans the whole tensor in every other dimension, and along that one their extents
 * follow each other from 0 to its end without gap or overlap. Then the tensor, in row-major order,
 * is for each index of the dimensions before it the slices' runs one after another: a
 * {@link ConcatSource} of those runs, read lazily. Anything else (a grid of blocks, holes,
 * overlaps) is refused with the reason.
 */
final class PartitionedTensor {

    /** More runs than this (a thin slicing of a deep dimension) is refused rather than indexed. */
    static final int MAX_RUNS = 1 << 16;

    /** One slice: its extents in the full tensor and its stored bytes. */
    record Slice(long[] starts, long[] lengths, ByteSource bytes) {}

    private PartitionedTensor() {}

    /** Whether the slice spans the whole of dimension {@code d} of {@code shape}. */
    static boolean fullAt(Slice s, long[] shape, int d) {
        return s.lengths()[d] < 0 || (s.starts()[d] == 0 && s.lengths()[d] == shape[d]);
    }

    /** The slice's own shape: its lengths, the whole dimension where it is full. */
    static long[] shapeOf(long[] starts, long[] lengths, long[] shape) {
        long[] out = new long[shape.length];
        for (int d = 0; d < shape.length; d++) out[d] = lengths[d] < 0 ? shape[d] : lengths[d];
        return out;
    }

    /** The dimension the slices tile, checked. */
    static int axis(List<Slice> slices, long[] shape, String key) throws FormatException {
        int axis = -1;
        for (int d = 0; d < shape.length; d++) {
            for (Slice s : slices) {
                if (fullAt(s, shape, d)) continue;
                if (axis >= 0 && axis != d) {
                    throw new FormatException("'" + key + "' is partitioned along dimensions " + axis + " and " + d
                            + " at once; only slices along one dimension are assembled");
                }
                axis = d;
            }
        }
        if (axis < 0) {
            if (slices.size() == 1) return 0;
            throw new FormatException("'" + key + "' has " + slices.size() + " slices that each hold the whole tensor");
        }
        List<Slice> sorted = new ArrayList<>(slices);
        final int a = axis;
        sorted.sort(Comparator.comparingLong(s -> s.starts()[a]));
        long at = 0;
        for (Slice s : sorted) {
            long start = s.starts()[a];
            long length = s.lengths()[a] < 0 ? shape[a] : s.lengths()[a];
            if (start != at) {
                throw new FormatException("'" + key + "' is partitioned along dimension " + a + " with "
                        + (start > at ? "a gap at " + at : "an overlap at " + start) + "; its slices do not tile it");
            }
            at = start + length;
        }
        if (at != shape[a]) {
            throw new FormatException("'" + key + "' is partitioned along dimension " + a + " but its slices cover "
                    + at + " of its " + shape[a] + " rows");
        }
        return a;
    }

    /** The tensor's bytes, row-major, from slices that {@link #axis} accepted. */
    static ByteSource assemble(List<Slice> slices, long[] shape, int axis, int itemSize, String key) throws FormatException {
        List<Slice> sorted = new ArrayList<>(slices);
        sorted.sort(Comparator.comparingLong(s -> s.starts()[axis]));
        long outer = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        long inner = itemSize;
        for (int d = axis + 1; d < shape.length; d++) inner *= shape[d];
        if (outer == 1) {
            List<ByteSource> parts = new ArrayList<>();
            for (Slice s : sorted) parts.add(s.bytes());
            return new ConcatSource(parts);
        }
        if (outer > MAX_RUNS || outer * sorted.size() > MAX_RUNS) {
            throw new FormatException("'" + key + "' is partitioned along dimension " + axis + " of shape " + Arrays.toString(shape)
                    + ", which interleaves its slices in " + outer * sorted.size() + " runs (over " + MAX_RUNS + ")");
        }
        List<ByteSource> parts = new ArrayList<>();
        for (long o = 0; o < outer; o++) {
            for (Slice s : sorted) {
                long run = (s.lengths()[axis] < 0 ? shape[axis] : s.lengths()[axis]) * inner;
                if (run > 0) parts.add(s.bytes().slice(o * run, run));
            }
        }
        return parts.isEmpty() ? ByteSource.of(new byte[0]) : new ConcatSource(parts);
    }
}
