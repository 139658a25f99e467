package io.weightbench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void binsCoverTheFiniteRangeAndCountEveryFiniteValueOnce() throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("views_zip.pt"))) {
            Histogram h = Histogram.of(c.tensor("base").orElseThrow().data(), 6); // arange(60)
            assertThat(h.lo()).isEqualTo(0.0);
            assertThat(h.hi()).isEqualTo(59.0);
            assertThat(h.counts()).containsExactly(10, 10, 10, 10, 10, 10);
            assertThat(h.total()).isEqualTo(60);
        }
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("../fixtures/dtypes_zip.pt").normalize())) {
            Histogram h = Histogram.of(c.tensor("b").orElseThrow().data(), 2); // bool as 0/1
            assertThat(h.total()).isEqualTo(12);
        }
    }

    @Test
    void aCancelEndsTheRunWhereverItIs() throws Exception {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("dtypes_zip.pt"))) {
            io.weightbench.tensor.Progress p = new io.weightbench.tensor.Progress(0);
            p.cancel();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TensorReport.of(c.tensors(), 10, Histogram.Scale.LINEAR, p))
                    .isInstanceOf(java.util.concurrent.CancellationException.class);
            io.weightbench.tensor.Progress fresh = new io.weightbench.tensor.Progress(0);
            TensorReport.of(c.tensors(), 10, Histogram.Scale.LOG, fresh);
            assertThat(fresh.fraction()).isEqualTo(1.0);
        }
    }
}
