package io.weightbench.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads JSON (rules files, sharded-checkpoint indexes, the model catalog) into Jackson's tree of
 * {@link JsonNode}s straight from the streaming parser. {@code ObjectMapper.readTree} gives the same
 * tree, but a fresh JVM spends ~0.2 s starting an ObjectMapper up, longer than a command takes to
 * open a multi-gigabyte checkpoint; this takes a tenth of that. Stricter than readTree in one way:
 * anything after the top-level value is an error, not ignored. Duplicate keys: the last one wins,
 * as with readTree. Nesting depth is bounded by the parser's read constraints.
 */
public final class JsonTree {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {}

    /** The JSON value in {@code bytes}; a {@link JsonProcessingException} (with line and column) when it is not valid JSON. */
    public static JsonNode read(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            return readWhole(p);
        }
    }

    public static JsonNode read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            return readWhole(p);
        }
    }

    private static JsonNode readWhole(JsonParser p) throws IOException {
        if (p.nextToken() == null) throw new JsonParseException(p, "no JSON value (empty input)");
        JsonNode v = value(p);
        if (p.nextToken() != null) throw new JsonParseException(p, "unexpected " + p.currentToken().asString() + " after the JSON value");
        return v;
    }

    private static JsonNode value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, value(p));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) a.add(value(p));
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }
}
