package io.weightbench.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The catalog against real timm and torchvision: random architectures, each with random options
 * it allows, derived by {@link CatalogModel#spec} and built the ordinary way (real
 * initialisation) by scripts/timm_state_dicts.py; keys, order, shapes, dtypes and parameter /
 * buffer kinds must be the same. The seed is printed (WEIGHTBENCH_CATALOG_SEED repeats a run).
 */
class CatalogTruthTest {

    static final int ARCHITECTURES = 8;
    /** Bigger models take long to build with real initialisation; the generator's --check covers them. */
    static final long MAX_VALUES = 40_000_000L;

    @Test
    void randomEntriesWithOptionsAreWhatTimmBuilds() throws Exception {
        java.nio.file.Path timm = TestFiles.timm();
        String seedText = System.getenv("WEIGHTBENCH_CATALOG_SEED");
        long seed = seedText != null ? Long.parseLong(seedText) : System.currentTimeMillis() % 100_000;
        System.out.println("CatalogTruthTest seed " + seed);
        Random r = new Random(seed);
        List<CatalogModel> small = Catalog.models().stream().filter(m -> m.values() < MAX_VALUES).toList();
        List<String> sources = new ArrayList<>();
        List<CatalogModel> models = new ArrayList<>();
        List<CatalogOptions> options = new ArrayList<>();
        while (sources.size() < ARCHITECTURES) {
            CatalogModel m = small.get(r.nextInt(small.size()));
            if (models.contains(m)) continue;
            boolean features = m.allowsFeaturesOnly() && r.nextInt(3) == 0;
            Optional<Integer> nc = !features && m.allowsNumClasses() && r.nextBoolean() ? Optional.of(List.of(0, 7, 10).get(r.nextInt(3))) : Optional.empty();
            Optional<Integer> ic = m.allowsInChans() && r.nextBoolean() ? Optional.of(1 + r.nextInt(2)) : Optional.empty();
            CatalogOptions o = new CatalogOptions(nc, ic, features);
            models.add(m);
            options.add(o);
            sources.add(m.name() + (o.query().isEmpty() ? "" : "?" + o.query()));
        }
        System.out.println("CatalogTruthTest builds " + sources);
        List<String> args = new ArrayList<>(List.of(timm.toString()));
        args.addAll(sources);
        String out = TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/timm_state_dicts.py", args.toArray(String[]::new));
        JsonNode real = new ObjectMapper().readTree(out.substring(out.lastIndexOf("\nJSON ") + 6));
        for (int i = 0; i < sources.size(); i++) {
            List<String> want = new ArrayList<>();
            for (JsonNode t : real.get(sources.get(i))) want.add(t.get(0).asText() + " " + t.get(1) + " " + t.get(2).asText() + " " + t.get(3).asText());
            List<String> got = new ArrayList<>();
            for (CatalogModel.Tensor t : models.get(i).spec(options.get(i))) {
                got.add(t.spec().key() + " " + t.spec().shape().toString().replace(" ", "") + " " + t.spec().dtype().torchName() + " "
                        + (t.buffer() ? "buffer" : "param"));
            }
            assertThat(got).as(sources.get(i) + " (seed " + seed + ")").containsExactlyInAnyOrderElementsOf(want);
            assertThat(ModelSpec.load(ModelSpec.CATALOG_PREFIX + sources.get(i)).tensors()).hasSize(want.size());
        }
    }
}
