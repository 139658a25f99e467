package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroupingTest {

    @Test
    void aWholeMissingModuleIsOneLine() {
        List<String> universe = List.of("conv1.weight", "layer4.0.conv1.weight", "layer4.0.bn1.weight", "layer4.1.conv1.weight", "fc.weight", "fc.bias");
        List<Grouping.Group> g = Grouping.group(List.of("layer4.0.conv1.weight", "layer4.0.bn1.weight", "layer4.1.conv1.weight", "fc.bias"), universe);
        assertThat(g).extracting(Grouping.Group::label).containsExactly("layer4.* (3 keys)", "fc.bias");
    }

    @Test
    void aPartlyMissingModuleGoesOneLevelDeeper() {
        List<String> universe = List.of("layer4.0.a", "layer4.0.b", "layer4.1.a", "layer4.1.b");
        assertThat(Grouping.group(List.of("layer4.1.a", "layer4.1.b", "layer4.0.a"), universe)).extracting(Grouping.Group::label)
                .containsExactly("layer4.1.* (2 keys)", "layer4.0.a");
    }
}
