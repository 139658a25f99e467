package io.weightbench.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JsonTreeTest {

    static Stream<String> documents() throws Exception {
        Stream<String> inline = Stream.of(
                "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"}]}",
                "{\"a\": [1, -2, 2147483648, 92233720368547758070, 1.5, -0.0, 1e300, true, false, null, \"\\u00e9\\ud83d\\ude00\\n\"]}",
                "[[], {}, [[[]]], {\"nested\": {\"deeper\": [{\"x\": \"y\"}]}}]",
                "{\"dup\": 1, \"dup\": 2}",
                "  \"just a string\"  ",
                "42");
        // and the real files the program reads this way: every bundled rules file and the catalog index's metadata and pretrained_cfg lines
        Stream<String> rules;
        try (Stream<Path> files = Files.list(Path.of("samples/rules"))) {
            rules = files.filter(p -> p.toString().endsWith(".json")).map(JsonTreeTest::text).toList().stream();
        }
        Stream<String> catalog = text(Path.of("src/main/resources/io/weightbench/model/catalog/index.txt")).lines()
                .filter(l -> l.startsWith("M timm/resnet") || l.startsWith("P convnext_tiny.")).map(l -> l.substring(l.indexOf('\t') + 1));
        return Stream.concat(Stream.concat(inline, rules), catalog);
    }

    private static String text(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("documents")
    void readsTheSameTreeAsObjectMapper(String json) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(json);
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertThat(JsonTree.read(bytes)).isEqualTo(expected);
        assertThat(JsonTree.read(new ByteArrayInputStream(bytes))).isEqualTo(expected);
    }

    @Test
    void numbersKeepTheirKind() throws Exception {
        JsonNode n = JsonTree.read("[1, 2147483648, 92233720368547758070, 0.5]".getBytes(StandardCharsets.US_ASCII));
        assertThat(n.get(0).isInt()).isTrue();
        assertThat(n.get(1).isLong()).isTrue();
        assertThat(n.get(2).isBigInteger()).isTrue();
        assertThat(n.get(3).isDouble()).isTrue();
        assertThat(n.get(0).canConvertToInt()).isTrue();
        assertThat(n.get(1).canConvertToInt()).isFalse();
    }

    @Test
    void badJsonIsRefusedWithWhereItWentWrong() {
        assertThatThrownBy(() -> JsonTree.read("{\"rules\": [".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("line: 1");
        assertThatThrownBy(() -> JsonTree.read(new byte[0]))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("empty input");
        assertThatThrownBy(() -> JsonTree.read("{} {}".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> JsonTree.read("{'single': 1}".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(JsonProcessingException.class);
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThatThrownBy(() -> JsonTree.read(deep.getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("nesting depth");
    }
}
