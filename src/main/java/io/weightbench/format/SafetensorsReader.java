package io.weightbench.format;

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
import java.util.Optional;

/**
 * safetensors: an 8-byte header length, a JSON header, then the tensors' bytes. Validated as the
 * format promises: a capped header, known dtypes, and data offsets that match each tensor's size,
 * lie inside the file and tile the data region with no overlap and no hole.
 */
final class SafetensorsReader implements CheckpointReader {

    static final long MAX_HEADER = 100L * 1024 * 1024;

    @Override
    public Optional<Opener> probe(Probe probe) {
        if (probe.headByte(8) != '{') return Optional.empty();
        // A GGUF file's tensor count (bytes 8-15) can begin "{\"" or "{\t": its magic says what it is.
        if (probe.startsWith((byte) 'G', (byte) 'G', (byte) 'U', (byte) 'F')) return Optional.empty();
        int next = probe.headByte(9);
        boolean json = next == '"' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t';
        return json ? Optional.of(formats -> open(probe)) : Optional.empty();
    }

    private record Span(String key, long begin, long end) {}

    private record Entry(DType dtype, long[] shape, long numel, long begin, long end) {}

    private static Checkpoint open(Probe probe) throws IOException {
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
        SafetensorsHeader.parse(header, new SafetensorsHeader.Visitor() {
            @Override public void metadata(String key, String value) {
                meta.put(key, value);
            }

            @Override public void tensor(String key, String code, long[] shape, long[] offsets) throws FormatException {
                Entry e = entry(key, code, shape, offsets);
                if (e.end > dataSize) {
                    throw new FormatException("safetensors entry '" + key + "' has data offsets [" + e.begin + ", " + e.end
                            + "] outside the data region of " + dataSize + " bytes");
                }
                spans.add(new Span(key, e.begin, e.end));
                Storage storage = new Storage(key, e.dtype, e.numel, ByteOrder.LITTLE_ENDIAN, "cpu",
                        file.slice(dataStart + e.begin, e.end - e.begin));
                tree.put(key, new TensorValue(TensorData.contiguous(storage, e.shape), false));
            }
        });
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
        return Checkpoint.of(probe.path(), "safetensors", tree, meta, List.of(), List.of(probe.files()));
    }

    private static Entry entry(String key, String code, long[] dims, long[] offsets) throws FormatException {
        DType dtype = DType.fromSafetensorsCode(code)
                .orElseThrow(() -> new FormatException("safetensors entry '" + key + "' has unknown dtype " + code));
        long numel = 1;
        try {
            for (long d : dims) numel = Math.multiplyExact(numel, d);
            Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException("safetensors entry '" + key + "' has an impossibly large shape " + java.util.Arrays.toString(dims));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) throw new FormatException("safetensors entry '" + key + "' has data offsets [" + begin + ", " + end + "] that end before they begin");
        if (end - begin != numel * dtype.itemSize()) {
            throw new FormatException("safetensors entry '" + key + "' spans " + (end - begin) + " bytes but "
                    + dtype + java.util.Arrays.toString(dims) + " needs " + numel * dtype.itemSize());
        }
        return new Entry(dtype, dims, numel, begin, end);
    }
}
