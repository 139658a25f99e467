package io.weightbench.rules;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One rule's JSON object, read field by field: each accessor names the op and the field when the
 * value is missing, of the wrong kind or out of range (a number is never silently truncated: a
 * slice end of 2^64+1 is refused, not read as 1).
 */
public record RuleJson(JsonNode node, String op) {

    public boolean has(String field) { return node.hasNonNull(field); }

    public String text(String field) throws RuleException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw new RuleException(op + " needs a string \"" + field + "\"");
        return v.asText();
    }

    public String text(String field, String fallback) throws RuleException {
        return has(field) ? text(field) : fallback;
    }

    public KeyPattern pattern(String field) throws RuleException {
        try {
            return KeyPattern.of(text(field));
        } catch (RuleException e) {
            throw new RuleException(op + ": " + e.getMessage());
        }
    }

    /** A replacement for {@code pattern}'s matches ({@code $1}, {@code ${name}}), checked against its groups. */
    public String replacement(KeyPattern pattern, String field) throws RuleException {
        String r = text(field);
        try {
            pattern.checkReplacement(r);
        } catch (RuleException e) {
            throw new RuleException(op + ": " + e.getMessage());
        }
        return r;
    }

    public long longValue(String field) throws RuleException {
        return longOf(node.get(field), "\"" + field + "\"", Long.MIN_VALUE, Long.MAX_VALUE);
    }

    public long longValue(String field, long fallback) throws RuleException {
        return has(field) ? longValue(field) : fallback;
    }

    public int integer(String field) throws RuleException {
        return (int) longOf(node.get(field), "\"" + field + "\"", Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    public int integer(String field, int fallback) throws RuleException {
        return has(field) ? integer(field) : fallback;
    }

    /** A finite number (integer or not). */
    public double number(String field) throws RuleException {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) throw new RuleException(op + " needs a finite number \"" + field + "\"");
        return v.doubleValue();
    }

    public boolean bool(String field, boolean fallback) throws RuleException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw new RuleException(op + ": \"" + field + "\" must be true or false");
        return v.asBoolean();
    }

    public long[] longs(String field) throws RuleException {
        JsonNode v = list(field);
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = longOf(v.get(i), "\"" + field + "\"", Long.MIN_VALUE, Long.MAX_VALUE);
        return out;
    }

    public int[] ints(String field) throws RuleException {
        JsonNode v = list(field);
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = (int) longOf(v.get(i), "\"" + field + "\"", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return out;
    }

    public java.util.List<String> texts(String field) throws RuleException {
        JsonNode v = list(field);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) throw new RuleException(op + ": \"" + field + "\" must hold strings");
            out.add(s.asText());
        }
        return out;
    }

    /** A JSON object of string to string (a token map). */
    public java.util.LinkedHashMap<String, String> textMap(String field) throws RuleException {
        JsonNode v = node.get(field);
        if (v == null || !v.isObject()) throw new RuleException(op + " needs an object \"" + field + "\" of strings");
        java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
        for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw new RuleException(op + ": \"" + field + "\" maps strings to strings");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private JsonNode list(String field) throws RuleException {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) throw new RuleException(op + " needs a list \"" + field + "\"");
        return v;
    }

    private long longOf(JsonNode v, String what, long min, long max) throws RuleException {
        if (v == null || v.isNull()) throw new RuleException(op + " needs an integer " + what);
        if (!v.isIntegralNumber()) throw new RuleException(op + ": " + what + " must be an integer, not " + v);
        java.math.BigInteger b = v.bigIntegerValue();
        if (b.compareTo(java.math.BigInteger.valueOf(min)) < 0 || b.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            throw new RuleException(op + ": " + what + " = " + b + " is out of range (" + min + " to " + max + ")");
        }
        return b.longValue();
    }
}
