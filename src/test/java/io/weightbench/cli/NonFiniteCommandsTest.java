package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN repair across the commands: suggest proposes it, compare and apply count what it replaces (text and JSON). */
class NonFiniteCommandsTest {

    /** A safetensors file of float32 tensors {@code name -> values} (1-D). */
    static Path safetensors(Path file, java.util.Map<String, float[]> tensors) throws Exception {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : tensors.entrySet()) {
            if (h.length() > 1) h.append(',');
            long n = e.getValue().length * 4L;
            h.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(e.getValue().length)
                    .append("],\"data_offsets\":[").append(off).append(',').append(off + n).append("]}");
            off += n;
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (float[] v : tensors.values()) for (float f : v) b.putFloat(f);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void suggestProposesTheRepairAndCompareAndApplyCountIt(@TempDir Path dir) throws Exception {
        java.util.Map<String, float[]> t = new java.util.LinkedHashMap<>();
        t.put("fc.weight", new float[] {1, Float.NaN, 3, Float.POSITIVE_INFINITY});
        t.put("fc.bias", new float[] {0, 1});
        Path ckpt = safetensors(dir.resolve("nan.safetensors"), t);
        Path model = dir.resolve("model.json");
        Files.writeString(model, "{\"fc.weight\": {\"shape\": [4], \"dtype\": \"float32\"}, \"fc.bias\": {\"shape\": [2], \"dtype\": \"float32\"}}");
        Path rules = dir.resolve("r.json");
        InspectCommandTest.Result s = InspectCommandTest.run("suggest", "--model", model.toString(), "--checkpoint", ckpt.toString(), "--json",
                "-o", rules.toString());
        assertThat(s.code()).as(s.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(s.out());
        assertThat(j.get("suggestions").get(0).get("rule").get("op").asText()).isEqualTo("replace_nonfinite");
        assertThat(j.get("suggestions").get(0).get("reason").asText()).contains("1 tensors hold 2 NaN/inf values");
        assertThat(j.get("replaced").toString()).isEqualTo("[{\"rule\":1,\"key\":\"fc.weight\",\"values\":4,\"of\":4}]");
        InspectCommandTest.Result text = InspectCommandTest.run("suggest", "--model", model.toString(), "--checkpoint", ckpt.toString());
        assertThat(text.out()).contains("replace_nonfinite /^(?:fc\\.weight)$/").contains("replaced 4 values in 1 tensors: fc.weight (4 of 4)");

        InspectCommandTest.Result c = InspectCommandTest.run("compare", "--model", model.toString(), "--checkpoint", ckpt.toString(),
                "--rules", rules.toString());
        assertThat(c.out()).contains("rule 1 (replace_nonfinite").contains("replaced 4 values in 1 tensors: fc.weight (4 of 4)");

        Path constant = dir.resolve("c.json");
        Files.writeString(constant, "{\"weightbench_rules\": 2, \"rules\": [{\"op\": \"replace_nonfinite\", \"match\": \".*\", \"fill\": 0}]}");
        Path out = dir.resolve("fixed.safetensors");
        InspectCommandTest.Result a = InspectCommandTest.run("apply", "--rules", constant.toString(), ckpt.toString(), "-o", out.toString(), "--json");
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(new ObjectMapper().readTree(a.out()).get("replaced").toString())
                .isEqualTo("[{\"rule\":1,\"key\":\"fc.weight\",\"values\":2,\"of\":4}]");
        InspectCommandTest.Result back = InspectCommandTest.run("check", out.toString(), "--json");
        assertThat(back.out()).doesNotContain("\"nan\"").doesNotContain("\"inf\"");
    }
}
