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
        assertRefused(dir, "{\"weightbench_rules\": 3, \"rules\": []}", "version 3 is not supported");
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

    /** Every rules file the repo ships (samples/rules, and the version-1 files of docs) reads unchanged and writes back as version 1. */
    @Test
    void version1RulesFilesReadUnchanged() throws Exception {
        List<Path> files;
        try (var s = Files.list(Path.of("samples/rules"))) {
            files = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        ObjectMapper m = new ObjectMapper();
        for (Path f : files) {
            RuleSet rules = RuleSet.read(f);
            assertThat(rules.version()).as(f.toString()).isEqualTo(1);
            com.fasterxml.jackson.databind.JsonNode original = m.readTree(f.toFile());
            com.fasterxml.jackson.databind.node.ObjectNode back = rules.toJson();
            // fields left out (slice's start and step) are written with their defaults; all else is equal
            for (int i = 0; i < original.get("rules").size(); i++) {
                var o = original.get("rules").get(i);
                for (var it = o.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    assertThat(back.get("rules").get(i).get(field).toString()).as(f + " rule " + i + " " + field).isEqualTo(o.get(field).toString());
                }
            }
            assertThat(back.get("weightbench_rules").asInt()).isEqualTo(1);
        }
        // the 1000-class head is sliced to 10 classes as before
        RuleSet head = RuleSet.read(Path.of("samples/rules/1000class.json"));
        assertThat(head.apply(List.of(new TensorSpec("head.weight", List.of(1000L, 64L), DType.FLOAT32))).tensors().get(0).shape())
                .containsExactly(10L, 64L);
    }

    @Test
    void regexesRunInLinearTimeOnHostilePatternsAndKeys() throws Exception {
        // catastrophic backtracking for java.util.regex; RE2 answers at once
        RuleSet nested = RuleSet.fromJson(new ObjectMapper().readTree("{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"drop\", \"pattern\": \"(.*.){14}#\"}]}"));
        long start = System.nanoTime();
        assertThat(applied(nested, "module.layer1.0.conv1.weight_abcdefghijklmnopqrstuvwxyz")).hasSize(1);
        // a StackOverflowError for java.util.regex
        String longKey = "ab".repeat(100_000);
        assertThat(applied(new RuleSet(List.of(new Rule.Drop("(a|b)*c"))), longKey)).containsExactly(longKey);
        assertThat(applied(new RuleSet(List.of(new Rule.RegexRename("^(a|b)*$", "x"))), longKey)).containsExactly("x");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(10.0);
        // what would overflow RE2/J's compiler stack or exhaust its memory is refused up front
        assertThatThrownBy(() -> new Rule.Drop("(".repeat(5000) + "a" + ")".repeat(5000))).hasMessageContaining("nests groups deeper than 500");
        assertThatThrownBy(() -> KeyPattern.of("(?:(?:a{1000}){1000}){1000}")).isInstanceOf(RuleException.class)
                .hasMessageContaining("repetition counts multiply to more than");
        assertThat(KeyPattern.of("^blocks\\.(\\d{1,3})\\.[a-z]{2}$").find("blocks.12.ab")).isTrue();
    }

    @Test
    void pythonStyleGroupReferencesAreRefusedWithTheJavaSpelling(@TempDir Path dir) throws Exception {
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"regex\", \"pattern\": \"^blocks_(\\\\d+)\", \"replace\": \"blocks.\\\\1\"}]}",
                "write $1 for a group, not Python's \\1");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"regex\", \"pattern\": \"^(?P<n>\\\\d+)\", \"replace\": \"\\\\g<n>\"}]}",
                "write ${n} for a group, not Python's \\g<n>");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"regex\", \"pattern\": \"^(a)\", \"replace\": \"$2\"}]}",
                "has 1 group(s), not $2");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"drop\", \"pattern\": \"(a)\\\\1\"}]}",
                "backreferences");
        // a literal g (or \\g without <...>) is no group reference
        assertThat(applied(new RuleSet(List.of(new Rule.RegexRename("^x", "\\g"))), "xa")).containsExactly("ga");
        // Python's named groups are fine (RE2 reads (?P<name>...)); ${name} refers to them
        RuleSet ok = RuleSet.fromJson(new ObjectMapper().readTree(
                "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"regex\", \"pattern\": \"^block_(?P<n>\\\\d+)\\\\.\", \"replace\": \"blocks.${n}.\"}]}"));
        assertThat(applied(ok, "block_3.conv.weight")).containsExactly("blocks.3.conv.weight");
    }

    @Test
    void numbersOutOfRangeAreRefusedNotTruncated(@TempDir Path dir) throws Exception {
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"slice\", \"match\": \"head\", \"dim\": 0, \"end\": 18446744073709551617}]}",
                "slice: \"end\" = 18446744073709551617 is out of range");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"transpose\", \"match\": \"w\", \"dim0\": 4294967296, \"dim1\": 0}]}",
                "\"dim0\" = 4294967296 is out of range");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"permute\", \"match\": \"w\", \"dims\": [1, 4294967296]}]}",
                "\"dims\" = 4294967296 is out of range");
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"slice\", \"match\": \"head\", \"dim\": 0, \"end\": 2.5}]}",
                "must be an integer");
        // a shape whose element count overflows reads, and is refused when applied
        RuleSet huge = new RuleSet(List.of(new TensorRule.Reshape("w", new long[] {Long.MAX_VALUE, 4})));
        assertThatThrownBy(() -> huge.apply(keys("w"))).isInstanceOf(RuleException.class).hasMessageContaining("overflows");
    }

    @Test
    void aVersion2OpInAVersion1FileIsRefusedSayingWhichVersion(@TempDir Path dir) throws Exception {
        assertRefused(dir, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"flip\", \"match\": \"w\", \"dims\": [0]}]}",
                "flip is a version 2 op");
    }
}
