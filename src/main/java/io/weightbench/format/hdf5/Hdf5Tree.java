package io.weightbench.format.hdf5;

import io.weightbench.format.FormatException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finding datasets in an HDF5 file's groups. Links (soft and external) are never followed: an
 * external link names another file, which is not opened, and a soft link may point back at its own
 * group. Children are visited in one fixed order ({@link #NAME_ORDER}); nesting is bounded.
 */
public final class Hdf5Tree {

    static final int MAX_DEPTH = 256;
    static final int MAX_OBJECTS = 1_000_000;

    /**
     * Names made only of ASCII digits (Keras 3's {@code vars/0}, {@code vars/1}, ...) first, in
     * numeric order, then every other name in code point order (h5py's name order).
     */
    public static final Comparator<String> NAME_ORDER = Comparator.comparingInt((String s) -> isNumber(s) ? 0 : 1)
            .thenComparingInt(s -> isNumber(s) ? s.length() : 0)
            .thenComparing(Hdf5Tree::compareCodePoints);

    /** A dataset and its path below the group the search started from ({@code dense_1/dense_1/kernel:0}). */
    public record Found(String path, Hdf5Node.Dataset dataset, Hdf5Node.Group parent) {}

    private Hdf5Tree() {}

    /**
     * Every dataset below {@code group}, depth first with children in {@link #NAME_ORDER}; an object
     * reached by two paths is listed once, at the first. Links and other skipped objects are noted
     * in {@code warnings}.
     */
    public static List<Found> datasets(Hdf5File file, Hdf5Node.Group group, List<String> warnings) throws FormatException {
        List<Found> out = new ArrayList<>();
        List<String> links = new ArrayList<>();
        walk(file, group, "", 0, new HashSet<>(), out, links);
        if (!links.isEmpty()) {
            warnings.add(links.size() + " HDF5 link(s) not followed (links to other files or paths are not read): "
                    + String.join(", ", links.subList(0, Math.min(5, links.size()))) + (links.size() > 5 ? ", ..." : ""));
        }
        return out;
    }

    private static void walk(Hdf5File file, Hdf5Node.Group group, String prefix, int depth, Set<Long> seen, List<Found> out, List<String> links)
            throws FormatException {
        if (depth > MAX_DEPTH) throw new FormatException("HDF5 groups nest deeper than " + MAX_DEPTH + " levels at '" + prefix + "'");
        for (Map.Entry<String, Hdf5Node> e : children(file, group, prefix)) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "/" + e.getKey();
            Hdf5Node node = e.getValue();
            if (node instanceof Hdf5Node.Link) {
                links.add(path);
                continue;
            }
            long address = node.address();
            if (!seen.add(address)) continue;
            if (seen.size() > MAX_OBJECTS) throw new FormatException("HDF5 file has more than " + MAX_OBJECTS + " objects");
            if (node instanceof Hdf5Node.Dataset ds) {
                out.add(new Found(path, ds, group));
            } else if (node instanceof Hdf5Node.Group g) {
                walk(file, g, path, depth + 1, seen, out, links);
            }
        }
    }

    /**
     * Whether {@link #datasets} would find a link or a dataset {@code known} does not hold below
     * {@code group}: the same walk, unordered (sorting every group's children costs more than
     * the walk when, as in most Keras files, the name lists already placed every dataset).
     */
    public static boolean anyBeyond(Hdf5File file, Hdf5Node.Group group, java.util.function.LongPredicate known) throws FormatException {
        return beyond(group, known, new HashSet<>(), 0);
    }

    private static boolean beyond(Hdf5Node.Group group, java.util.function.LongPredicate known, Set<Long> seen, int depth)
            throws FormatException {
        if (depth > MAX_DEPTH) return true;
        for (Hdf5Node node : group.children().values()) {
            if (node instanceof Hdf5Node.Link) return true;
            long address = node.address();
            if (!seen.add(address)) continue;
            if (seen.size() > MAX_OBJECTS) return true;
            if (node instanceof Hdf5Node.Dataset && !known.test(address)) return true;
            if (node instanceof Hdf5Node.Group g && beyond(g, known, seen, depth + 1)) return true;
        }
        return false;
    }

    /** A group's children in {@link #NAME_ORDER}. */
    public static List<Map.Entry<String, Hdf5Node>> children(Hdf5File file, Hdf5Node.Group group, String where) throws FormatException {
        List<Map.Entry<String, Hdf5Node>> sorted = new ArrayList<>(group.children().entrySet());
        sorted.sort(Map.Entry.comparingByKey(NAME_ORDER));
        return sorted;
    }

    /** A direct child that is a group (not a link), if there is one by that name. */
    public static Optional<Hdf5Node.Group> childGroup(Hdf5File file, Hdf5Node.Group group, String name) throws FormatException {
        return group.child(name).filter(n -> n instanceof Hdf5Node.Group).map(n -> (Hdf5Node.Group) n);
    }

    /**
     * The dataset at a slash-separated path below {@code group}, walking one child at a time (never
     * through links); empty when any step is missing or not what the path needs.
     */
    public static Optional<Found> dataset(Hdf5File file, Hdf5Node.Group group, String path) throws FormatException {
        Hdf5Node.Group at = group;
        int start = 0;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            int slash = path.indexOf('/', start);
            String part = slash < 0 ? path.substring(start) : path.substring(start, slash);
            if (part.isEmpty()) return Optional.empty();
            Hdf5Node.Group parent = at;
            Hdf5Node n = parent.child(part).orElse(null);
            if (n == null) return Optional.empty();
            if (slash < 0) return n instanceof Hdf5Node.Dataset ds ? Optional.of(new Found(path, ds, parent)) : Optional.empty();
            if (!(n instanceof Hdf5Node.Group g)) return Optional.empty();
            at = g;
            start = slash + 1;
        }
        return Optional.empty();
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) return Integer.compare(x, y);
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
