package io.weightbench.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work over a view's logical size (issue 18): the attack file's stride-0 view stands for 32 GiB
 * over 16 bytes of storage. Refused above the stated multiple; with the limit lifted, hashing and
 * exporting it report progress in logical bytes and stop when cancelled, leaving no file behind.
 */
class LogicalViewWorkTest {

    static final Path VIEW = Path.of("src", "test", "resources", "attack", "zip_stride0_view.pt");

    @AfterEach
    void defaultLimit() {
        TensorData.setMaxViewMultiple(TensorData.MAX_VIEW_MULTIPLE);
    }

    @Test
    void aViewOverTheStatedMultipleIsRefusedNamingTheOption() throws Exception {
        try (Checkpoint c = Formats.standard().open(VIEW)) {
            TensorData t = c.tensors().get(0).data();
            assertThat(t.nbytes()).isEqualTo(32L << 30);
            assertThatThrownBy(() -> CanonicalBytes.sha256(t)).hasMessageContaining("over 1024 times its storage")
                    .hasMessageContaining("--max-view-multiple");
            TensorData.setMaxViewMultiple(1L << 31); // 32 GiB / 16 bytes = 2^31: at the limit, not over it
            t.requireReadableView();
            TensorData.setMaxViewMultiple((1L << 31) - 1);
            assertThatThrownBy(t::requireReadableView).hasMessageContaining("over 2147483647 times");
        }
    }

    /** Runs {@code work} until {@code progress} passes 64 MiB, cancels it, and returns what it threw. */
    private static Throwable cancelledMidway(Progress progress, java.util.concurrent.Callable<?> work) throws Exception {
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (progress.done() < (64L << 20) && System.nanoTime() < deadline && !f.isDone()) Thread.sleep(5);
        assertThat(f).as("still working after 64 MiB").isNotDone();
        long before = progress.done();
        progress.cancel();
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("finished although cancelled");
        } catch (ExecutionException e) {
            assertThat(progress.done()).isGreaterThanOrEqualTo(before).isLessThan(32L << 30);
            return e.getCause().getCause() == null ? e.getCause() : e.getCause().getCause();
        }
    }

    @Test
    void hashingALargeViewShowsProgressAndStopsWhenCancelled() throws Exception {
        TensorData.setMaxViewMultiple(0);
        try (Checkpoint c = Formats.standard().open(VIEW)) {
            TensorData t = c.tensors().get(0).data();
            Progress p = new Progress(t.nbytes());
            assertThat(cancelledMidway(p, () -> CanonicalBytes.sha256(t, p))).isInstanceOf(CancellationException.class);
            assertThat(p.fraction()).isGreaterThan(0).isLessThan(1);
        }
    }

    @Test
    void exportingALargeViewShowsProgressAndStopsWhenCancelledLeavingNothing(@TempDir Path dir) throws Exception {
        TensorData.setMaxViewMultiple(0);
        try (Checkpoint c = Formats.standard().open(VIEW)) {
            for (String name : new String[] {"out.safetensors", "out.pth"}) {
                Progress p = new Progress(0);
                Path out = dir.resolve(name);
                assertThat(cancelledMidway(p, () -> Exporter.export(c, RuleSet.empty(), out, true, 0, p))).as(name)
                        .isInstanceOf(CancellationException.class);
                try (Stream<Path> left = Files.list(dir)) {
                    assertThat(left).as(name).isEmpty();
                }
            }
        }
    }
}
