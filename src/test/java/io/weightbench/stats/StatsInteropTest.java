package io.weightbench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.Progress;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statistics and diffs against torch's own (float64) computation on purpose-built checkpoints. */
class StatsInteropTest {

    @Test
    void statsAndDiffsAgreeWithTorch(@TempDir Path dir) throws Exception {
        TestFiles.runTorchScript("scripts/stats_reference.py", dir.toString());
        JsonNode ref = new ObjectMapper().enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature())
                .readTree(dir.resolve("reference.json").toFile());
        try (Checkpoint a = Formats.standard().open(dir.resolve("a.pth")); Checkpoint b = Formats.standard().open(dir.resolve("b.pth"))) {
            int bins = ref.get("bins").get("linear").asInt();
            int logBins = ref.get("bins").get("log").asInt();
            Progress progress = new Progress(0);
            List<TensorReport> linear = TensorReport.of(a.weights(), bins, Histogram.Scale.LINEAR, progress);
            List<TensorReport> log = TensorReport.of(a.weights(), logBins, Histogram.Scale.LOG, Progress.none());
            assertThat(progress.done()).isEqualTo(progress.total()).isGreaterThan(2 * 4_000_000L);
            var fields = ref.get("stats").fields();
            while (fields.hasNext()) {
                var e = fields.next();
                int index = a.weights().indexOf(a.tensor(e.getKey()).orElseThrow());
                TensorStats s = linear.get(index).stats();
                assertThat(TensorStats.of(a.weights().get(index).data())).isEqualTo(s);
                JsonNode h = ref.get("histograms").get(e.getKey());
                sameHistogram(e.getKey() + " histogram", linear.get(index).histogram(), h.get("linear"));
                sameHistogram(e.getKey() + " log histogram", log.get(index).histogram(), h.get("log"));
                assertThat(log.get(index).histogram().zeros()).as(e.getKey() + " log zeros").isEqualTo(h.get("log_zeros").asLong());
                JsonNode w = e.getValue();
                String k = e.getKey();
                assertThat(s.count()).as(k).isEqualTo(w.get("count").asLong());
                assertThat(s.nan()).as(k + " nan").isEqualTo(w.get("nan").asLong());
                assertThat(s.posInf()).as(k + " +inf").isEqualTo(w.get("pos_inf").asLong());
                assertThat(s.negInf()).as(k + " -inf").isEqualTo(w.get("neg_inf").asLong());
                assertThat(s.zeros()).as(k + " zeros").isEqualTo(w.get("zeros").asLong());
                assertThat(s.outsideFloat16()).as(k + " beyond float16").isEqualTo(w.get("outside_float16").asLong());
                close(k + " min", s.min(), w.get("min"));
                close(k + " max", s.max(), w.get("max"));
                close(k + " mean", s.mean(), w.get("mean"));
                close(k + " std", s.std(), w.get("std"));
                if (!w.get("std").isNull()) {
                    // relative, also for a tiny spread around a huge mean (big_mean: 1e9 +- 1e-3), where torch's own
                    // float64 std is ~2e-8 off the exact value
                    assertThat(s.std()).as(k + " std, relative to torch's").isCloseTo(w.get("std").asDouble(),
                            Offset.offset(5e-8 * Math.abs(w.get("std").asDouble()) + 1e-300));
                }
                if (w.has("std_exact") && !w.get("std_exact").isNull()) {
                    assertThat(s.std()).as(k + " std, relative to the exact value").isCloseTo(w.get("std_exact").asDouble(),
                            Offset.offset(1e-12 * w.get("std_exact").asDouble()));
                }
                close(k + " l2", s.l2(), w.get("l2"));
            }
            CheckpointDiff.Result r = CheckpointDiff.diff(a.weights(), b.weights(),
                    new RuleSet(List.of(new Rule.Rename("bn.running_variance", "bn.running_var"))), ref.get("bins").get("diff").asInt(), Progress.none());
            assertThat(r.onlyInA()).isEmpty();
            assertThat(r.onlyInB()).isEmpty();
            assertThat(r.pairs()).filteredOn(CheckpointDiff.Pair::shapesDiffer).extracting(CheckpointDiff.Pair::key).containsExactly("fc.weight");
            var diffs = ref.get("diff").fields();
            while (diffs.hasNext()) {
                var e = diffs.next();
                TensorDiff d = r.pairs().stream().filter(x -> x.key().equals(e.getKey())).findFirst().orElseThrow().diff();
                close(e.getKey() + " max_abs", d.maxAbs(), e.getValue().get("max_abs"));
                close(e.getKey() + " mean_abs", d.meanAbs(), e.getValue().get("mean_abs"));
                close(e.getKey() + " rms", d.rms(), e.getValue().get("rms"));
                close(e.getKey() + " rel_l2", d.relL2(), e.getValue().get("rel_l2"));
                close(e.getKey() + " cosine", d.cosine(), e.getValue().get("cosine"));
                assertThat(d.histogram().lo()).isEqualTo(-d.maxAbs());
                assertThat(counts(d.histogram())).as(e.getKey() + " diff histogram").isEqualTo(longs(e.getValue().get("histogram")));
            }
            TensorDiff same = r.pairs().stream().filter(x -> x.key().equals("bn.running_var")).findFirst().orElseThrow().diff();
            assertThat(same.maxAbs()).isZero();
            assertThat(same.cosine()).isCloseTo(1.0, Offset.offset(1e-12));
        }
    }

    @Test
    void checkFindsEveryPlantedFault(@TempDir Path dir) throws Exception {
        TestFiles.runTorchScript("scripts/stats_reference.py", dir.toString());
        try (Checkpoint c = Formats.standard().open(dir.resolve("faulty.pth"))) {
            List<HealthCheck.Finding> f = HealthCheck.check(c.weights());
            assertThat(f).extracting(HealthCheck.Finding::severity, HealthCheck.Finding::key, HealthCheck.Finding::check).contains(
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.WARNING, "conv.weight", "all_zero"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.WARNING, "conv2.weight", "constant"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.ERROR, "bn.running_var", "running_var"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.ERROR, "bn2", "batchnorm_stats"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.INFO, "bn", "num_batches_tracked"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.ERROR, "fc.weight", "nan"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.INFO, "fc", "dtype_mix"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.WARNING, "proj.weight", "float16_overflow"),
                    org.assertj.core.groups.Tuple.tuple(HealthCheck.Severity.INFO, "embed.weight", "tied"));
            assertThat(f).noneMatch(x -> x.key().equals("bn.weight")); // ones in a norm layer are normal
            assertThat(f).noneMatch(x -> x.key().equals("embed.weight") && x.severity() != HealthCheck.Severity.INFO);
        }
    }

    /** The same bins over the same range as torch.histc (in float64), and the same counts. */
    private static void sameHistogram(String what, Histogram got, JsonNode want) {
        if (want == null || want.isNull()) {
            assertThat(got.total()).as(what).isZero();
            return;
        }
        double lo = want.get("lo").asDouble();
        double hi = want.get("hi").asDouble();
        if (lo == hi) { // torch.histc widens a single value's range by 1 each way, as we do
            lo -= 1;
            hi += 1;
        }
        assertThat(got.lo()).as(what + " lo").isCloseTo(lo, Offset.offset(1e-12 * Math.max(1, Math.abs(lo))));
        assertThat(got.hi()).as(what + " hi").isCloseTo(hi, Offset.offset(1e-12 * Math.max(1, Math.abs(hi))));
        assertThat(counts(got)).as(what).isEqualTo(longs(want.get("counts")));
    }

    private static List<Long> counts(Histogram h) {
        return java.util.Arrays.stream(h.counts()).boxed().toList();
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    private static void close(String what, double got, JsonNode want) {
        if (want == null || want.isNull()) {
            assertThat(got).as(what).isNaN();
            return;
        }
        double w = want.asDouble();
        if (Double.isInfinite(w)) {
            assertThat(got).as(what).isEqualTo(w);
            return;
        }
        assertThat(got).as(what).isCloseTo(w, Offset.offset(1e-9 * Math.max(1, Math.abs(w))));
    }
}
