package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentifierTest {

    @Test
    void aWrappedCheckpointIsIdentifiedAsItsArchitecture() throws Exception {
        for (String name : List.of("mobilenet_v3_small", "resnet50", "vit_b_16")) {
            List<TensorSpec> ckpt = SuggesterTest.prefixed(ModelSpec.load("catalog:" + name).tensors(), "module.");
            List<Identifier.Candidate> ranked = Identifier.rank(ckpt);
            assertThat(ranked.get(0).model()).isEqualTo("catalog:" + name);
            assertThat(ranked.get(0).fit()).isEqualTo(1.0);
            assertThat(ranked.get(1).fit()).isLessThan(1.0);
        }
    }
}
