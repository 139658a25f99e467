package io.weightbench.tensor;

import java.util.Optional;

/**
 * How a quantized tensor maps its integers to real values: {@code (q - zeroPoint) * scale}, one
 * scale for the tensor ({@code per_tensor_affine}) or one per slice along {@code axis}
 * ({@code per_channel_affine}, with {@code scales} and {@code zeroPoints} tensors).
 */
public record Quantization(String scheme, double scale, long zeroPoint,
                           Optional<TensorData> scales, Optional<TensorData> zeroPoints, int axis) {

    public static Quantization perTensor(String scheme, double scale, long zeroPoint) {
        return new Quantization(scheme, scale, zeroPoint, Optional.empty(), Optional.empty(), -1);
    }

    public static Quantization perChannel(String scheme, TensorData scales, TensorData zeroPoints, int axis) {
        return new Quantization(scheme, Double.NaN, 0, Optional.of(scales), Optional.of(zeroPoints), axis);
    }

    public boolean isPerChannel() { return scales.isPresent(); }
}
