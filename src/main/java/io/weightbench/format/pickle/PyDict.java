package io.weightbench.format.pickle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python dict (insertion-ordered, as {@code dict} and {@code OrderedDict} are). Attributes set on
 * the dict object itself by {@code BUILD} (torch's {@code _metadata}) are kept apart from its items.
 */
public final class PyDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    private final String typeName;
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    public PyDict() { this("builtins.dict"); }

    public PyDict(String typeName) { this.typeName = typeName; }

    public String typeName() { return typeName; }

    public Map<String, Object> attributes() { return attributes; }

    @Override public boolean equals(Object o) { return this == o; }

    @Override public int hashCode() { return System.identityHashCode(this); }
}
