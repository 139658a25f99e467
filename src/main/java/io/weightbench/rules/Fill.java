package io.weightbench.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The values a rule writes where it has none to keep: a constant, or seeded random draws
 * (normal, as the seed's {@code normal_(0, 0.02)}; uniform, as torch's default Linear / Conv
 * initialisation). In JSON a number ({@code 0}) or an object ({@code {"normal": [0, 0.02], "seed": 0}},
 * {@code {"uniform": [-0.04, 0.04], "seed": 0}}). Draws come from {@link java.util.Random} (its
 * algorithm is fixed by its specification), seeded by {@code seed} and the tensor's key, so a
 * tensor's values do not depend on which other tensors are filled or in what order; they are
 * Weightbench's own, not torch's generator's.
 */
public sealed interface Fill {

    /** The values for one tensor, in row-major order. */
    interface Values {
        double next();
    }

    Values values(String key);

    String describe();

    /** The fill's JSON value. */
    JsonNode toJson();

    record Constant(double value) implements Fill {
        public Values values(String key) { return () -> value; }

        public String describe() { return Double.toString(value); }

        public JsonNode toJson() { return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(value); }
    }

    record Normal(double mean, double std, long seed) implements Fill {
        public Values values(String key) {
            java.util.Random r = random(seed, key);
            return () -> mean + std * r.nextGaussian();
        }

        public String describe() { return "normal(" + mean + ", " + std + ") seed " + seed; }

        public JsonNode toJson() {
            ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            o.putArray("normal").add(mean).add(std);
            return o.put("seed", seed);
        }
    }

    record Uniform(double low, double high, long seed) implements Fill {
        public Values values(String key) {
            java.util.Random r = random(seed, key);
            return () -> low + (high - low) * r.nextDouble();
        }

        public String describe() { return "uniform(" + low + ", " + high + ") seed " + seed; }

        public JsonNode toJson() {
            ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            o.putArray("uniform").add(low).add(high);
            return o.put("seed", seed);
        }
    }

    private static java.util.Random random(long seed, String key) {
        return new java.util.Random(seed ^ (key.hashCode() * 0x9E3779B97F4A7C15L));
    }

    /** Reads {@code field} of a rule: a number, or {"normal": [mean, std]} / {"uniform": [low, high]} with an optional "seed" (default 0). */
    static Fill read(RuleJson j, String field) throws RuleException {
        JsonNode v = j.node().get(field);
        String what = j.op() + ": \"" + field + "\" ";
        if (v != null && v.isNumber()) return new Constant(finite(v.asDouble(), what));
        if (v == null || !v.isObject()) throw new RuleException(what + "must be a number or {\"normal\": [mean, std], \"seed\": N} or {\"uniform\": [low, high], \"seed\": N}");
        RuleJson o = new RuleJson(v, j.op() + " \"" + field + "\"");
        long seed = o.longValue("seed", 0);
        boolean normal = v.has("normal");
        JsonNode pair = v.get(normal ? "normal" : "uniform");
        if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(0).isNumber() || !pair.get(1).isNumber()) {
            throw new RuleException(what + "needs \"normal\": [mean, std] or \"uniform\": [low, high] (two numbers)");
        }
        double a = finite(pair.get(0).asDouble(), what);
        double b = finite(pair.get(1).asDouble(), what);
        if (normal && b < 0) throw new RuleException(what + "a normal's std must not be negative");
        if (!normal && b < a) throw new RuleException(what + "a uniform's low must not exceed its high");
        return normal ? new Normal(a, b, seed) : new Uniform(a, b, seed);
    }

    private static double finite(double v, String what) throws RuleException {
        if (!Double.isFinite(v)) throw new RuleException(what + "must be finite");
        return v;
    }

    /** Whether values of {@code dtype} can be written (floats but float8, integers, bool). */
    static boolean writable(DType dtype) {
        return !dtype.isQuantized() && !dtype.isBlockQuantized() && !dtype.isComplex() && dtype != DType.FLOAT8_E4M3FN && dtype != DType.FLOAT8_E5M2;
    }

    /** A new tensor of {@code dtype} and {@code shape} holding this fill's values for {@code key} (rounded as torch's {@code .to}). */
    default TensorData tensor(String key, DType dtype, long[] shape) throws IOException {
        if (!writable(dtype)) throw new RuleException("cannot fill '" + key + "' of dtype " + dtype);
        Values values = values(key);
        int item = dtype.itemSize();
        return TensorBytes.build("filled", dtype, shape, out -> {
            long n = 1;
            for (long d : shape) n *= d;
            byte[] buf = new byte[(int) Math.min(Math.max(n, 1) * item, 1 << 20)];
            ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            for (long done = 0; done < n; ) {
                int count = (int) Math.min(n - done, buf.length / item);
                for (int i = 0; i < count; i++) TensorBytes.encode(b, i * item, dtype, values.next());
                out.write(buf, 0, count * item);
                done += count;
            }
        });
    }
}
