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
}
