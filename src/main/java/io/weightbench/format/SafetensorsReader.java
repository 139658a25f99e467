package io.weightbench.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * safetensors: an 8-byte header length, a JSON header, then the tensors' bytes. Validated as the
 * format promises: a capped header, known dtypes, and data offsets that match each tensor's size,
 * lie inside the file and tile the data region with no overlap and no hole.
 */
final class SafetensorsReader implements CheckpointReader {

    static final long MAX_HEADER = 100L * 1024 * 1024;
    /** Streaming (jackson-core only), created on first use: most runs open no safetensors file. */
    private static final class Json {
        // Field names are tensor keys, each seen once: canonicalising them into a symbol table only costs.
        static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
    }

    @Override
    public boolean probe(Probe probe) {
        if (probe.headByte(8) != '{') return false;
        int next = probe.headByte(9);
        return next == '"' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t';
    }

    private record Span(String key, long begin, long end) {}

    private record Entry(DType dtype, long[] shape, long numel, long begin, long end) {}

    @Override
    public Checkpoint open(Probe probe, Formats formats) throws IOException {
        MappedFile file = probe.file();
        byte[] lenBytes = new byte[8];
        file.read(0, lenBytes, 0, 8);
        long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen < 0 || headerLen > MAX_HEADER) {
            throw new FormatException("safetensors header length " + Long.toUnsignedString(headerLen)
                    + " exceeds the " + MAX_HEADER + "-byte limit");
        }
        if (8 + headerLen > file.size()) {
            throw new FormatException("safetensors header of " + headerLen + " bytes runs past the end of the file ("
                    + file.size() + " bytes; truncated?)");
        }
        byte[] header = new byte[(int) headerLen];
        file.read(8, header, 0, header.length);
        long dataStart = 8 + headerLen;
        long dataSize = file.size() - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        PyDict tree = new PyDict();
        List<Span> spans = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new FormatException("safetensors header is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (key.equals("__metadata__")) {
                    readMetadata(p, value, meta);
                    continue;
                }
                if (value != JsonToken.START_OBJECT) throw new FormatException("safetensors entry '" + key + "' is not an object");
                Entry e = readEntry(p, key);
                if (e.end > dataSize) {
                    throw new FormatException("safetensors entry '" + key + "' has data offsets [" + e.begin + ", " + e.end
                            + "] outside the data region of " + dataSize + " bytes");
                }
                spans.add(new Span(key, e.begin, e.end));
                Storage storage = new Storage(key, e.dtype, e.numel, ByteOrder.LITTLE_ENDIAN, "cpu",
                        file.slice(dataStart + e.begin, e.end - e.begin));
                tree.put(key, new TensorValue(TensorData.contiguous(storage, e.shape), false));
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new FormatException("safetensors header has trailing content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new FormatException("safetensors header is not valid JSON: " + e.getOriginalMessage());
        }
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        long at = 0;
        for (Span s : spans) {
            if (s.begin() < at) throw new FormatException("safetensors entries overlap at '" + s.key() + "' (offset " + s.begin() + ")");
            if (s.begin() > at) throw new FormatException("safetensors data has a hole of " + (s.begin() - at) + " bytes before '" + s.key() + "'");
            at = s.end();
        }
        if (at != dataSize) {
            throw new FormatException("safetensors data region holds " + dataSize + " bytes but its tensors cover " + at);
        }
        return Checkpoint.of(probe.path(), "safetensors", tree, meta, List.of(), List.of(file));
    }

    private static void readMetadata(JsonParser p, JsonToken value, Map<String, String> meta) throws IOException {
        if (value != JsonToken.START_OBJECT) throw new FormatException("safetensors __metadata__ is not an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_STRING) {
                meta.put(k, p.getText());
            } else {
                p.skipChildren();
                meta.put(k, "(not a string)");
            }
        }
    }

    private static Entry readEntry(JsonParser p, String key) throws IOException {
        String code = null;
        List<Long> shape = null;
        List<Long> offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> code = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "shape" -> shape = longs(p, v, key, "shape");
                case "data_offsets" -> offsets = longs(p, v, key, "data_offsets");
                default -> p.skipChildren();
            }
        }
        if (code == null || shape == null || offsets == null || offsets.size() != 2) {
            throw new FormatException("safetensors entry '" + key + "' lacks dtype, shape or data_offsets");
        }
        String c = code;
        DType dtype = DType.fromSafetensorsCode(code)
                .orElseThrow(() -> new FormatException("safetensors entry '" + key + "' has unknown dtype " + c));
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        long numel = 1;
        try {
            for (long d : dims) numel = Math.multiplyExact(numel, d);
            Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException("safetensors entry '" + key + "' has an impossibly large shape " + shape);
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (end < begin) throw new FormatException("safetensors entry '" + key + "' has data offsets [" + begin + ", " + end + "] that end before they begin");
        if (end - begin != numel * dtype.itemSize()) {
            throw new FormatException("safetensors entry '" + key + "' spans " + (end - begin) + " bytes but "
                    + dtype + shape + " needs " + numel * dtype.itemSize());
        }
        return new Entry(dtype, dims, numel, begin, end);
    }

    private static List<Long> longs(JsonParser p, JsonToken v, String key, String what) throws IOException {
        if (v != JsonToken.START_ARRAY) throw new FormatException("safetensors entry '" + key + "' has a " + what + " that is not a list");
        List<Long> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                throw new FormatException("safetensors entry '" + key + "' has a bad " + what + " value " + p.getText());
            }
            if (out.size() > 64) throw new FormatException("safetensors entry '" + key + "' has more than 64 " + what + " values");
            out.add(p.getLongValue());
        }
        return out;
    }
}
