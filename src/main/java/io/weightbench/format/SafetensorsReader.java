package io.weightbench.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Iterator;
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
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    @Override
    public boolean probe(Probe probe) {
        if (probe.headByte(8) != '{') return false;
        int next = probe.headByte(9);
        return next == '"' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t';
    }

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
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new FormatException("safetensors header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new FormatException("safetensors header is not a JSON object");
        long dataStart = 8 + headerLen;
        long dataSize = file.size() - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        PyDict tree = new PyDict();
        record Span(String key, long begin, long end) {}
        List<Span> spans = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            JsonNode t = f.getValue();
            if (key.equals("__metadata__")) {
                if (!t.isObject()) throw new FormatException("safetensors __metadata__ is not an object");
                t.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            if (!t.isObject() || !t.path("dtype").isTextual() || !t.path("shape").isArray() || !t.path("data_offsets").isArray()
                    || t.path("data_offsets").size() != 2) {
                throw new FormatException("safetensors entry '" + key + "' lacks dtype, shape or data_offsets");
            }
            String code = t.get("dtype").asText();
            DType dtype = DType.fromSafetensorsCode(code)
                    .orElseThrow(() -> new FormatException("safetensors entry '" + key + "' has unknown dtype " + code));
            JsonNode shapeNode = t.get("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) throw new FormatException("safetensors entry '" + key + "' has a bad shape " + shapeNode);
                shape[i] = d.asLong();
            }
            long begin = t.get("data_offsets").get(0).asLong(-1);
            long end = t.get("data_offsets").get(1).asLong(-1);
            long numel;
            try {
                numel = 1;
                for (long d : shape) numel = Math.multiplyExact(numel, d);
                Math.multiplyExact(numel, (long) dtype.itemSize());
            } catch (ArithmeticException e) {
                throw new FormatException("safetensors entry '" + key + "' has an impossibly large shape " + shapeNode);
            }
            if (begin < 0 || end < begin || end > dataSize) {
                throw new FormatException("safetensors entry '" + key + "' has data offsets [" + begin + ", " + end
                        + "] outside the data region of " + dataSize + " bytes");
            }
            if (end - begin != numel * dtype.itemSize()) {
                throw new FormatException("safetensors entry '" + key + "' spans " + (end - begin) + " bytes but "
                        + dtype + shapeNode + " needs " + numel * dtype.itemSize());
            }
            spans.add(new Span(key, begin, end));
            Storage storage = new Storage(key, dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", file.slice(dataStart + begin, end - begin));
            tree.put(key, new TensorValue(TensorData.contiguous(storage, shape), false));
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
}
