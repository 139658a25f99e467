package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleSetTest {

    static List<TensorSpec> keys(String... names) {
        return java.util.Arrays.stream(names).map(n -> new TensorSpec(n, List.of(2L), DType.FLOAT32)).toList();
    }

    static List<String> applied(RuleSet rules, String... names) throws RuleException {
        return rules.apply(keys(names)).tensors().stream().map(TensorSpec::key).toList();
    }

    @Test
    void everyKeyRuleDoesWhatItsNameSays() throws Exception {
        assertThat(applied(new RuleSet(List.of(new Rule.StripPrefix("module."))), "module.fc.weight", "fc.bias"))
                .containsExactly("fc.weight", "fc.bias");
        assertThat(applied(new RuleSet(List.of(new Rule.AddPrefix("backbone."))), "conv1.weight")).containsExactly("backbone.conv1.weight");
        assertThat(applied(new RuleSet(List.of(new Rule.ReplacePrefix("backbone.", "encoder."))), "backbone.a", "head.b"))
                .containsExactly("encoder.a", "head.b");
        assertThat(applied(new RuleSet(List.of(new Rule.RegexRename("^blocks\\.(\\d+)\\.gamma_(\\d)$", "blocks.$1.ls$2.gamma"))),
                "blocks.3.gamma_1", "blocks.3.norm.weight")).containsExactly("blocks.3.ls1.gamma", "blocks.3.norm.weight");
        assertThat(applied(new RuleSet(List.of(new Rule.Rename("head.weight", "fc.weight"))), "head.weight", "head.bias"))
                .containsExactly("fc.weight", "head.bias");
        assertThat(applied(new RuleSet(List.of(new Rule.Drop("^head\\."))), "head.weight", "fc.weight")).containsExactly("fc.weight");
        assertThat(applied(new RuleSet(List.of(new Rule.KeepOnly("^encoder\\."))), "encoder.a", "decoder.b")).containsExactly("encoder.a");
    }

    @Test
    void rulesApplyInOrderAndCountWhatTheyChanged() throws Exception {
        RuleSet rules = new RuleSet(List.of(new Rule.StripPrefix("module."), new Rule.ReplacePrefix("model.", ""), new Rule.Drop("aux")));
        RuleSet.Applied a = rules.apply(keys("module.model.fc.weight", "module.model.aux.weight", "model.conv.weight", "other"));
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("fc.weight", "conv.weight", "other");
        assertThat(a.changedPerRule()).containsExactly(2, 3, 1);
        assertThat(a.dropped()).containsExactly("module.model.aux.weight");
        assertThat(a.renamedFrom()).containsEntry("fc.weight", "module.model.fc.weight");
    }

    @Test
    void twoKeysOntoOneTargetIsAnErrorNamingBoth() {
        RuleSet rules = new RuleSet(List.of(new Rule.StripPrefix("module.")));
        assertThatThrownBy(() -> rules.apply(keys("module.fc.weight", "fc.weight")))
                .isInstanceOf(RuleException.class)
                .hasMessageContaining("'module.fc.weight'").hasMessageContaining("'fc.weight'");
    }

    @Test
    void jsonRoundTrips(@TempDir Path dir) throws Exception {
        RuleSet rules = new RuleSet(List.of(new Rule.StripPrefix("module."), new Rule.AddPrefix("net."), new Rule.ReplacePrefix("a.", "b."),
                new Rule.RegexRename("x(\\d)", "y$1"), new Rule.Rename("p", "q"), new Rule.Drop("^head"), new Rule.KeepOnly("net")));
        Path f = dir.resolve("rules.json");
        rules.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(rules);
        assertThat(Files.readString(f)).contains("\"weightbench_rules\" : 1");
    }

    @Test
    void malformedRulesFilesAreRefusedClearly(@TempDir Path dir) throws Exception {
        assertRefused(dir, "[1, 2]", "JSON object");
        assertRefused(dir, "{\"rules\": []}", "weightbench_rules");
        assertRefused(dir, "{\"weightbench_rules\": 2, \"rules\": []}", "version 2 is not supported");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"teleport\"}]}", "rule 1: unknown op 'teleport'");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\"}]}", "needs a string \"prefix\"");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"drop\", \"pattern\": \"(\"}]}", "bad regular expression");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [", "not valid JSON");
        assertThatThrownBy(() -> RuleSet.read(dir.resolve("none.json"))).hasMessageContaining("no such rules file");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": []} trailing", "not valid JSON");
        Path huge = dir.resolve("huge.json"); // sparse: never read into memory
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(RuleSet.MAX_FILE + 1);
        }
        assertThatThrownBy(() -> RuleSet.read(huge)).isInstanceOf(RuleException.class).hasMessageContaining("is not a rules file");
    }

    private static void assertRefused(Path dir, String json, String message) throws Exception {
        Path f = Files.createTempFile(dir, "rules", ".json");
        Files.writeString(f, json);
        assertThatThrownBy(() -> RuleSet.read(f)).isInstanceOf(RuleException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining(message);
    }

    @Test
    void fromJsonAcceptsTheDesignSketch() throws Exception {
        String sketch = "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"},"
                + "{\"op\": \"replace_prefix\", \"from\": \"backbone.\", \"to\": \"\"},"
                + "{\"op\": \"rename\", \"from\": \"head.weight\", \"to\": \"fc.weight\"}]}";
        RuleSet rules = RuleSet.fromJson(new ObjectMapper().readTree(sketch));
        assertThat(applied(rules, "module.backbone.conv1.weight", "head.weight")).containsExactly("conv1.weight", "fc.weight");
    }
}
