package io.weightbench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.Progress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statistics and histograms come out the same whichever way a tensor is read: held in a pooled
 * array and read once, or read twice in chunks (the reference here, and what a thread gets when
 * every pooled array is taken), whatever the number of threads asking at once.
 */
class HeldFloatsTest {

    @Test
    void heldAndChunkedReadsAgreeExactlyUnderContention(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.safetensors");
        Random rnd = new Random(7);
        List<float[]> values = new ArrayList<>();
        for (int n : new int[] {1, 1000, 300_000, 700_000}) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
            values.add(v);
        }
        values.get(1)[5] = Float.NaN;
        values.get(1)[6] = Float.POSITIVE_INFINITY;
        values.get(2)[7] = 0f;
        values.get(2)[8] = 70000f; // beyond float16
        writeSafetensors(file, values);
        try (Checkpoint c = Formats.standard().open(file)) {
            List<TensorEntry> tensors = c.tensors();
            assertThat(tensors).allMatch(t -> HeldFloats.fits(t.data()) == (t.data().numel() <= HeldFloats.CAPACITY));
            List<TensorStats> stats = new ArrayList<>();
            List<Histogram> hists = new ArrayList<>();
            for (TensorEntry t : tensors) {
                TensorStats s = TensorStats.of(t.data());
                stats.add(s);
                hists.add(Histogram.of(t.data(), 50, Histogram.Scale.LINEAR, s, Progress.none()));
            }
            assertThat(stats.get(1).nan()).isEqualTo(1);
            assertThat(stats.get(1).posInf()).isEqualTo(1);
            assertThat(stats.get(2).outsideFloat16()).isEqualTo(1);
            assertThat(stats.get(2).zeros()).isEqualTo(1);
            int threads = 4 * (Runtime.getRuntime().availableProcessors() + 1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<TensorReport>>> runs = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    runs.add(pool.submit(() -> TensorReport.of(tensors, 50, Histogram.Scale.LINEAR, Progress.none())));
                }
                for (Future<List<TensorReport>> run : runs) {
                    List<TensorReport> r = run.get();
                    for (int i = 0; i < tensors.size(); i++) {
                        assertThat(r.get(i).stats()).as(tensors.get(i).key()).isEqualTo(stats.get(i));
                        Histogram h = r.get(i).histogram();
                        assertThat(h.lo()).isEqualTo(hists.get(i).lo());
                        assertThat(h.hi()).isEqualTo(hists.get(i).hi());
                        assertThat(h.counts()).as(tensors.get(i).key()).containsExactly(hists.get(i).counts());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void writeSafetensors(Path file, List<float[]> tensors) throws Exception {
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            long n = tensors.get(i).length * 4L;
            if (i > 0) h.append(',');
            h.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(tensors.get(i).length)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + n).append("]}");
            offset += n;
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) h.append(' ');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (float[] t : tensors) for (float v : t) b.putFloat(v);
        Files.write(file, b.array());
    }
}
