package io.weightbench.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The named rule sets shipped in the jar ({@code src/main/resources/io/weightbench/rules/presets/NAME.json},
 * listed in {@code index.txt}): one per source framework, what every file of that framework needs
 * before its own names are paired with the model's, and recipes between model families
 * ({@code torchvision-to-timm/convnext}: one library's architecture under the other's names, each
 * verified by outputs, docs/recipes.md). A preset is an ordinary rules
 * file that names itself; rules made from it record its name, and hold its rules in full, so
 * they replay without the jar that made them.
 */
public final class Presets {

    private static final String DIR = "/io/weightbench/rules/presets/";

    private Presets() {}

    /** The presets' names, in the order they are listed. */
    public static List<String> names() {
        try (InputStream in = Presets.class.getResourceAsStream(DIR + "index.txt")) {
            if (in == null) return List.of();
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The recipes between model families among the presets: those named {@code SOURCE-to-TARGET/FAMILY}
     * ({@code torchvision-to-timm/convnext}, {@code mmdet-to-timm/resnet}), which {@code suggest} tries
     * on a PyTorch file.
     */
    public static List<String> recipes() {
        return names().stream().filter(n -> n.matches("[a-z0-9]+-to-[a-z0-9]+/[a-z0-9_-]+")).toList();
    }

    /** The preset called {@code name}; an unknown name is an error listing the known ones. */
    public static RuleSet load(String name) throws RuleException {
        JsonNode root = json(name);
        try {
            RuleSet rules = RuleSet.fromJson(root);
            return new RuleSet(rules.rules(), java.util.Optional.of(name));
        } catch (RuleException e) {
            throw new IllegalStateException("preset " + name + " is broken: " + e.getMessage(), e);
        }
    }

    /** What the preset is for, in a sentence or two. */
    public static String description(String name) throws RuleException {
        return json(name).path("description").asText("");
    }

    private static JsonNode json(String name) throws RuleException {
        if (!names().contains(name)) throw new RuleException("unknown preset '" + name + "' (known: " + String.join(", ", names()) + ")");
        try (InputStream in = Presets.class.getResourceAsStream(DIR + name + ".json")) {
            if (in == null) throw new RuleException("preset '" + name + "' is missing from this build");
            return io.weightbench.json.JsonTree.read(in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * The preset for a checkpoint of {@code format} (a reader's format name) with {@code metadata}:
     * the framework it comes from, where one preset fits it; empty for PyTorch's own files.
     */
    public static java.util.Optional<String> detect(String format, java.util.Map<String, String> metadata) {
        String f = format.toLowerCase(java.util.Locale.ROOT);
        String preset = null;
        if (f.startsWith("keras") || f.startsWith("tf")) preset = "keras";
        else if (f.startsWith("flax")) preset = "flax";
        else if (f.startsWith("paddle")) preset = "paddle";
        else if (f.startsWith("mxnet")) preset = "mxnet";
        else if (f.startsWith("onnx")) preset = "onnx-from-torch";
        else if (f.startsWith("gguf") && "llama".equals(metadata.get("general.architecture"))) preset = "gguf-llama";
        return java.util.Optional.ofNullable(preset);
    }
}
