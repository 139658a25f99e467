package io.weightbench.format.hdf5;

import io.weightbench.format.FormatException;
import java.util.Map;
import java.util.Optional;

/**
 * An object in an HDF5 file as the readers above see it, whichever parser read it: {@link
 * Hdf5Metadata} (our own, for listing) or jhdf ({@link JhdfNodes}, the reference it falls back to).
 * Both give the same answers for the same file; {@code Hdf5MetadataTest} holds them to that.
 */
public sealed interface Hdf5Node permits Hdf5Node.Group, Hdf5Node.Dataset, Hdf5Node.Link, Hdf5Node.Other {

    /** The object header's address: the same object reached by two paths has one address. */
    long address() throws FormatException;

    /**
     * A string or list-of-strings attribute; empty when the object has no attribute of that name.
     * An empty array of any type is an empty list (h5py stores an empty Python list as an empty
     * float64 array); numbers and other types are refused.
     */
    Optional<java.util.List<String>> strings(String attribute) throws FormatException;

    /** A group: its children by name (links included, as {@link Link}s; never followed). */
    non-sealed interface Group extends Hdf5Node {
        Map<String, Hdf5Node> children() throws FormatException;

        /** A direct child by name, without reading the other children's headers where the parser can avoid it. */
        Optional<Hdf5Node> child(String name) throws FormatException;
    }

    /** A dataset: what a tensor needs of it ({@code name} names it in messages). */
    non-sealed interface Dataset extends Hdf5Node {
        Hdf5Tensors.Description describe(String name) throws FormatException;
    }

    /** Any other object (a committed datatype): not listed, not descended into. */
    record Other(long address) implements Hdf5Node {
        @Override public Optional<java.util.List<String>> strings(String attribute) { return Optional.empty(); }
    }

    /** A soft or external link: named, never followed. */
    record Link() implements Hdf5Node {
        @Override public long address() { return -1; }
        @Override public Optional<java.util.List<String>> strings(String attribute) { return Optional.empty(); }
    }
}
