package io.weightbench.compare;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups keys by module so that a report says {@code layer4.* (30 keys)} instead of thirty lines:
 * each key goes under the shortest module prefix all of whose keys (in the universe) share its
 * fate.
 */
public final class Grouping {

    /** A module prefix ({@code layer4.}) or a single key, with the keys it stands for. */
    public record Group(String prefix, List<String> keys) {
        public boolean isSingleKey() { return keys.size() == 1 && keys.get(0).equals(prefix); }

        public String label() { return isSingleKey() ? prefix : prefix + "* (" + keys.size() + " keys)"; }
    }

    private Grouping() {}

    /** @param universe every key of the side these keys come from (model keys for missing ones, ...) */
    public static List<Group> group(List<String> keys, Collection<String> universe) {
        Set<String> chosen = Set.copyOf(keys);
        Map<String, Integer> total = new LinkedHashMap<>();
        Map<String, Integer> inSet = new LinkedHashMap<>();
        for (String k : universe) for (String p : prefixes(k)) total.merge(p, 1, Integer::sum);
        for (String k : keys) for (String p : prefixes(k)) inSet.merge(p, 1, Integer::sum);
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String k : keys) {
            String g = k;
            for (String p : prefixes(k)) {
                if (total.getOrDefault(p, 0).equals(inSet.get(p)) && inSet.get(p) > 1) {
                    g = p;
                    break;
                }
            }
            groups.computeIfAbsent(g, x -> new ArrayList<>()).add(k);
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : groups.entrySet()) out.add(new Group(e.getKey(), e.getValue()));
        assert out.stream().mapToInt(g -> g.keys().size()).sum() == chosen.size();
        return out;
    }

    /** {@code a.b.c} -> {@code a.}, {@code a.b.} (shortest first). */
    static List<String> prefixes(String key) {
        List<String> out = new ArrayList<>();
        int i = key.indexOf('.');
        while (i > 0) {
            out.add(key.substring(0, i + 1));
            i = key.indexOf('.', i + 1);
        }
        return out;
    }
}
