package io.weightbench.rules;

/**
 * 2-D bicubic resampling of a {@code [C, H, W]} float array as torch's {@code F.interpolate} does it
 * with {@code align_corners=False}: without antialias (cubic convolution, A = -0.75, borders
 * clamped) or with it (separable filter A = -0.5 widened by the scale when shrinking, weights
 * normalised, as PIL and {@code _upsample_bicubic2d_aa}).
 */
final class Bicubic {

    private Bicubic() {}

    static float[] resize(float[] in, int channels, int h, int w, int outH, int outW, boolean antialias) {
        return antialias ? separable(in, channels, h, w, outH, outW) : convolution(in, channels, h, w, outH, outW);
    }

    // ---- torch's upsample_bicubic2d (align_corners=False) ----

    private static final float A = -0.75f;

    private static float cc1(float x) { return ((A + 2) * x - (A + 3)) * x * x + 1; }

    private static float cc2(float x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

    private static float[] coefficients(float t) {
        return new float[] {cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)};
    }

    private static float[] convolution(float[] in, int channels, int h, int w, int outH, int outW) {
        float[] out = new float[channels * outH * outW];
        float scaleH = (float) h / outH;
        float scaleW = (float) w / outW;
        for (int oy = 0; oy < outH; oy++) {
            float ry = scaleH * (oy + 0.5f) - 0.5f;
            int iy = (int) Math.floor(ry);
            float[] cy = coefficients(ry - iy);
            for (int ox = 0; ox < outW; ox++) {
                float rx = scaleW * (ox + 0.5f) - 0.5f;
                int ix = (int) Math.floor(rx);
                float[] cx = coefficients(rx - ix);
                for (int c = 0; c < channels; c++) {
                    int base = c * h * w;
                    float acc = 0;
                    float[] rows = new float[4];
                    for (int k = 0; k < 4; k++) {
                        int yy = clamp(iy - 1 + k, h);
                        float r = 0;
                        for (int j = 0; j < 4; j++) r += in[base + yy * w + clamp(ix - 1 + j, w)] * cx[j];
                        rows[k] = r;
                    }
                    for (int k = 0; k < 4; k++) acc += rows[k] * cy[k];
                    out[c * outH * outW + oy * outW + ox] = acc;
                }
            }
        }
        return out;
    }

    private static int clamp(int i, int n) { return Math.max(0, Math.min(n - 1, i)); }

    // ---- torch's _upsample_bicubic2d_aa: separable, width first ----

    private static double aaFilter(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    /** For each output index: the first input index and the normalised weights. */
    private record Weights(int[] start, float[][] w) {}

    private static Weights weights(int in, int out) {
        double scale = (double) in / out;
        double support = (scale >= 1.0) ? 2.0 * scale : 2.0;
        double invscale = (scale >= 1.0) ? 1.0 / scale : 1.0;
        int[] start = new int[out];
        float[][] w = new float[out][];
        for (int i = 0; i < out; i++) {
            double center = scale * (i + 0.5);
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xsize = Math.min((int) (center + support + 0.5), in) - xmin;
            double[] ws = new double[xsize];
            double total = 0;
            for (int j = 0; j < xsize; j++) {
                ws[j] = aaFilter((j + xmin - center + 0.5) * invscale);
                total += ws[j];
            }
            w[i] = new float[xsize];
            for (int j = 0; j < xsize; j++) w[i][j] = (float) (total != 0 ? ws[j] / total : 0);
            start[i] = xmin;
        }
        return new Weights(start, w);
    }

    private static float[] separable(float[] in, int channels, int h, int w, int outH, int outW) {
        Weights wx = weights(w, outW);
        Weights wy = weights(h, outH);
        float[] mid = new float[channels * h * outW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int ox = 0; ox < outW; ox++) {
                    float acc = 0;
                    float[] k = wx.w()[ox];
                    for (int j = 0; j < k.length; j++) acc += in[c * h * w + y * w + wx.start()[ox] + j] * k[j];
                    mid[c * h * outW + y * outW + ox] = acc;
                }
            }
        }
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            for (int oy = 0; oy < outH; oy++) {
                float[] k = wy.w()[oy];
                for (int ox = 0; ox < outW; ox++) {
                    float acc = 0;
                    for (int j = 0; j < k.length; j++) acc += mid[c * h * outW + (wy.start()[oy] + j) * outW + ox] * k[j];
                    out[c * outH * outW + oy * outW + ox] = acc;
                }
            }
        }
        return out;
    }
}
