package io.weightbench.tensor;

/**
 * ggml's block quantizations, dequantized to float32 exactly as ggml's {@code to_float} does
 * (ggml-quants.c's {@code dequantize_row_*}): each block's scales (float16) and packed integers
 * give {@link DType#blockSize()} floats.
 */
public final class BlockQuant {

    private BlockQuant() {}

    /**
     * Dequantizes {@code blocks} consecutive blocks of {@code type} from {@code src[srcOff ..]}
     * (little-endian, as stored) into {@code dst[dstOff ..]}.
     */
    public static void toFloat(DType type, byte[] src, int srcOff, int blocks, float[] dst, int dstOff) {
        throw new UnsupportedOperationException("dequantizing " + type + " is not written yet");
    }
}
