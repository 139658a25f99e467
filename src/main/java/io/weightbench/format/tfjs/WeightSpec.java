package io.weightbench.format.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import java.io.IOException;
import java.util.Optional;

/** One entry of a weights manifest: name, shape, dtype and, for a converter-quantized weight, how it was quantized. */
record WeightSpec(String name, long[] shape, String dtype, Optional<Quantization> quantization) {

    /** tfjs' affine quantization ({@code value = q * scale + min}) or float16 storage of a float32 weight. */
    record Quantization(String dtype, double scale, double min) {
        int bytesPerValue() { return dtype.equals("uint8") ? 1 : 2; }

        String describe() {
            return dtype.equals("float16") ? "float16" : dtype + " (scale " + scale + ", min " + min + ")";
        }
    }

    static WeightSpec of(JsonNode w) throws FormatException {
        JsonNode n = w.get("name");
        if (n == null || !n.isTextual()) throw new FormatException("a weightsManifest entry has no name");
        String name = n.asText();
        JsonNode s = w.get("shape");
        if (s == null || !s.isArray()) throw new FormatException("weight '" + name + "' has no shape list");
        if (s.size() > 64) throw new FormatException("weight '" + name + "' has " + s.size() + " dimensions");
        long[] shape = new long[s.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = s.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new FormatException("weight '" + name + "' has a shape entry that is not a size: " + d);
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
                Math.multiplyExact(numel, 8L);
            } catch (ArithmeticException e) {
                throw new FormatException("weight '" + name + "' has an impossibly large shape " + s);
            }
        }
        String dtype = w.path("dtype").asText("");
        switch (dtype) {
            case "float32", "int32", "bool", "complex64", "string" -> { }
            default -> throw new FormatException("weight '" + name + "' has dtype '" + dtype + "', which tfjs does not store");
        }
        Optional<Quantization> q = Optional.empty();
        JsonNode qn = w.get("quantization");
        if (qn != null && !qn.isNull()) {
            String qd = qn.path("dtype").asText("");
            switch (qd) {
                case "uint8", "uint16" -> {
                    if (!qn.path("scale").isNumber() || !qn.path("min").isNumber()) {
                        throw new FormatException("weight '" + name + "' is quantized to " + qd + " without its min and scale");
                    }
                    if (!dtype.equals("float32") && !dtype.equals("int32")) {
                        throw new FormatException("weight '" + name + "' of dtype " + dtype + " cannot be quantized to " + qd);
                    }
                    q = Optional.of(new Quantization(qd, qn.get("scale").asDouble(), qn.get("min").asDouble()));
                }
                case "float16" -> {
                    if (!dtype.equals("float32")) throw new FormatException("weight '" + name + "' of dtype " + dtype + " cannot be stored as float16");
                    q = Optional.of(new Quantization(qd, 1, 0));
                }
                default -> throw new FormatException("weight '" + name + "' has unknown quantization dtype '" + qd + "'");
            }
        }
        return new WeightSpec(name, shape, dtype, q);
    }

    long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The dtype of the weight as tfjs hands it over (after dequantization). */
    DType tensorDType() {
        return switch (dtype) {
            case "int32" -> DType.INT32;
            case "bool" -> DType.BOOL;
            case "complex64" -> DType.COMPLEX64;
            default -> DType.FLOAT32;
        };
    }

    /** Bytes the weight takes in its group, starting at {@code offset}; strings are walked (a 4-byte length before each). */
    long byteLength(ByteSource data, long offset) throws IOException {
        long n = numel();
        if (quantization.isPresent()) return n * quantization.get().bytesPerValue();
        if (!dtype.equals("string")) return n * tensorDType().itemSize();
        if (n * 4 > data.size() - offset) throw new FormatException("string weight '" + name + "' of " + n + " strings runs past its shard files");
        byte[] len = new byte[4];
        long p = offset;
        for (long i = 0; i < n; i++) {
            if (p + 4 > data.size()) throw new FormatException("string weight '" + name + "' runs past its shard files");
            data.read(p, len, 0, 4);
            long l = (len[0] & 0xffL) | (len[1] & 0xffL) << 8 | (len[2] & 0xffL) << 16 | (len[3] & 0xffL) << 24;
            p += 4 + l;
        }
        return p - offset;
    }
}
