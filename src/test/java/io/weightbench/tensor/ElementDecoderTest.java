package io.weightbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ElementDecoderTest {

    private static double one(DType d, byte... bytes) {
        return ElementDecoder.decode(d, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    @Test
    void halfPrecisionCoversNormalsSubnormalsAndSpecials() {
        assertThat(one(DType.FLOAT16, (byte) 0x00, (byte) 0x3c)).isEqualTo(1.0);
        assertThat(one(DType.FLOAT16, (byte) 0x00, (byte) 0xc0)).isEqualTo(-2.0);
        assertThat(one(DType.FLOAT16, (byte) 0xff, (byte) 0x7b)).isEqualTo(65504.0);
        assertThat(one(DType.FLOAT16, (byte) 0x01, (byte) 0x00)).isEqualTo(Math.pow(2, -24));
        assertThat(one(DType.FLOAT16, (byte) 0x00, (byte) 0x7c)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(one(DType.FLOAT16, (byte) 0x01, (byte) 0x7e)).isNaN();
    }

    @Test
    void bfloat16IsTheTopHalfOfAFloat() {
        assertThat(one(DType.BFLOAT16, (byte) 0x80, (byte) 0x3f)).isEqualTo(1.0);
        assertThat(one(DType.BFLOAT16, (byte) 0x49, (byte) 0x40)).isEqualTo(3.140625);
    }

    @Test
    void float8FormatsMatchTheirSpecifications() {
        // e4m3fn: bias 7, max 448, no infinities, 0x7f NaN
        assertThat(one(DType.FLOAT8_E4M3FN, (byte) 0x38)).isEqualTo(1.0);
        assertThat(one(DType.FLOAT8_E4M3FN, (byte) 0x7e)).isEqualTo(448.0);
        assertThat(one(DType.FLOAT8_E4M3FN, (byte) 0x01)).isEqualTo(Math.pow(2, -9));
        assertThat(one(DType.FLOAT8_E4M3FN, (byte) 0x7f)).isNaN();
        assertThat(one(DType.FLOAT8_E4M3FN, (byte) 0x78)).isEqualTo(256.0);
        // e5m2: bias 15, max 57344, IEEE infinities
        assertThat(one(DType.FLOAT8_E5M2, (byte) 0x3c)).isEqualTo(1.0);
        assertThat(one(DType.FLOAT8_E5M2, (byte) 0x7b)).isEqualTo(57344.0);
        assertThat(one(DType.FLOAT8_E5M2, (byte) 0x7c)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(one(DType.FLOAT8_E5M2, (byte) 0xfc)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(one(DType.FLOAT8_E5M2, (byte) 0x7d)).isNaN();
    }

    @Test
    void unsignedAndBoolAndComplex() {
        assertThat(one(DType.UINT16, (byte) 0xff, (byte) 0xff)).isEqualTo(65535.0);
        assertThat(one(DType.UINT64, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff))
                .isEqualTo(18446744073709551615.0);
        assertThat(one(DType.BOOL, (byte) 2)).isEqualTo(1.0);
        ByteBuffer c = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3).putFloat(4);
        assertThat(one(DType.COMPLEX64, c.array())).isEqualTo(5.0);
    }

    @Test
    void perChannelQuantizationUsesEachChannelsScaleAndZeroPoint() throws Exception {
        // 2 channels (axis 0) x 3 values; q = [10, 11, 12 | 20, 21, 22]; scales [0.5, 2]; zero points [10, 20]
        Storage q = new Storage("q", DType.QINT8, 6, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(new byte[] {10, 11, 12, 20, 21, 22}));
        ByteBuffer s = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.5).putDouble(2);
        ByteBuffer z = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(10).putLong(20);
        TensorData scales = TensorData.contiguous(new Storage("s", DType.FLOAT64, 2, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(s.array())), new long[] {2});
        TensorData zps = TensorData.contiguous(new Storage("z", DType.INT64, 2, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(z.array())), new long[] {2});
        TensorData t = new TensorData(q, DType.QINT8, new long[] {2, 3}, new long[] {3, 1}, 0,
                Optional.of(Quantization.perChannel("per_channel_affine", scales, zps, 0)));
        List<Double> values = new ArrayList<>();
        ElementDecoder.forEach(t, (i, v) -> values.add(v));
        assertThat(values).containsExactly(0.0, 0.5, 1.0, 0.0, 2.0, 4.0);
    }
}
