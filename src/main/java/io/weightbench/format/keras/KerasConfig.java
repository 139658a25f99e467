package io.weightbench.format.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.json.JsonTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Summarises Keras's JSON configurations as metadata: the model's class, name and layer count and
 * the optimizer and loss it was compiled with. A configuration can be megabytes long, so it is
 * shown whole (under one key) only when short. Keras 1/2 keep them in the {@code model_config} and
 * {@code training_config} attributes, Keras 3 in {@code config.json} (and {@code metadata.json}).
 */
final class KerasConfig {

    /** Configurations up to this many characters are shown whole. */
    static final int SHOWN_WHOLE = 2048;

    private KerasConfig() {}

    /** Keras 1/2 {@code model_config} or Keras 3 {@code config.json}. */
    static void model(String json, String key, Map<String, String> meta, List<String> warnings) {
        JsonNode c = parse(json, key, warnings);
        if (c == null) return;
        text(c.get("class_name")).ifPresent(v -> meta.put("model_class", v));
        JsonNode config = c.get("config");
        JsonNode layers = config == null ? null : config.isArray() ? config : config.get("layers");
        if (config != null && config.isObject()) text(config.get("name")).ifPresent(v -> meta.put("model_name", v));
        if (layers != null && layers.isArray()) meta.put("model_layers", Integer.toString(layers.size()));
        JsonNode compile = c.get("compile_config");
        if (compile != null && compile.isObject()) compiled(compile.get("optimizer"), compile.get("loss"), meta);
        whole(json, key, meta);
    }

    /** Keras 1/2 {@code training_config}: the optimizer's class and the loss. */
    static void training(String json, Map<String, String> meta, List<String> warnings) {
        JsonNode c = parse(json, "training_config", warnings);
        if (c == null) return;
        compiled(c.get("optimizer_config"), c.get("loss"), meta);
        whole(json, "training_config", meta);
    }

    /** Keras 3 {@code metadata.json}: the Keras version and the date saved. */
    static void savedBy(String json, Map<String, String> meta, List<String> warnings) {
        JsonNode c = parse(json, "metadata.json", warnings);
        if (c == null) return;
        text(c.get("keras_version")).ifPresent(v -> meta.put("keras_version", v));
        text(c.get("date_saved")).ifPresent(v -> meta.put("date_saved", v));
    }

    private static void compiled(JsonNode optimizer, JsonNode loss, Map<String, String> meta) {
        if (optimizer != null) {
            java.util.Optional<String> name = optimizer.isObject() ? text(optimizer.get("class_name")) : text(optimizer);
            name.ifPresent(v -> meta.put("optimizer", v));
        }
        if (loss != null && !loss.isNull()) meta.put("loss", loss.isTextual() ? loss.asText() : shorten(loss.toString()));
    }

    private static void whole(String json, String key, Map<String, String> meta) {
        if (json.length() <= SHOWN_WHOLE) meta.put(key, json);
    }

    private static JsonNode parse(String json, String key, List<String> warnings) {
        try {
            JsonNode n = JsonTree.read(json.getBytes(StandardCharsets.UTF_8));
            if (n.isObject()) return n;
            warnings.add(key + " is not a JSON object (not summarised)");
        } catch (IOException e) {
            warnings.add(key + " is not valid JSON (not summarised): " + shorten(String.valueOf(e.getMessage()).replaceAll("\\s+", " ")));
        }
        return null;
    }

    private static java.util.Optional<String> text(JsonNode n) {
        return n != null && n.isTextual() ? java.util.Optional.of(shorten(n.asText())) : java.util.Optional.empty();
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
