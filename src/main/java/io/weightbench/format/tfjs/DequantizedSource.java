package io.weightbench.format.tfjs;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A quantized weight's values as tfjs computes them when it loads the model ({@code io_utils}'
 * {@code decodeWeight}): {@code q * scale + min} in double precision, then stored as float32 (or
 * rounded with JavaScript's {@code Math.round} for int32 weights); float16 widened to float32.
 * Bytes are computed on demand from the stored ones, little-endian.
 */
final class DequantizedSource implements ByteSource {

    private final ByteSource stored;
    private final WeightSpec.Quantization q;
    private final DType out;
    private final long numel;
    private final int width;

    DequantizedSource(ByteSource stored, WeightSpec.Quantization q, DType out, long numel) {
        this.stored = stored;
        this.q = q;
        this.out = out;
        this.numel = numel;
        this.width = q.bytesPerValue();
    }

    @Override
    public long size() { return numel * 4; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size()) {
            throw new IOException("read of " + len + " bytes at " + position + " lies outside " + size() + " bytes");
        }
        if (len == 0) return;
        long first = position / 4;
        long last = (position + len - 1) / 4;
        int count = (int) (last - first + 1);
        byte[] raw = new byte[count * width];
        stored.read(first * width, raw, 0, raw.length);
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer values = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int v = width == 1 ? raw[i] & 0xff : in.getShort(i * 2) & 0xffff;
            if (q.dtype().equals("float16")) {
                values.putFloat(i * 4, (float) ElementDecoder.halfToDouble((short) v));
            } else if (out == DType.INT32) {
                values.putInt(i * 4, (int) Math.round(v * q.scale() + q.min()));
            } else {
                values.putFloat(i * 4, (float) (v * q.scale() + q.min()));
            }
        }
        System.arraycopy(values.array(), (int) (position - first * 4), dst, off, len);
    }
}
