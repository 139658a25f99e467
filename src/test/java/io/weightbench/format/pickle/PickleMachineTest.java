package io.weightbench.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.tensor.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The pickle VM against CPython's own pickler (protocols 0-5) and against hand-written opcodes. */
class PickleMachineTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Path DIR = Path.of("src", "test", "resources", "pickles");

    static Object load(byte[] pickle) throws IOException {
        return new PickleMachine(ByteSource.of(pickle), PickleHooks.NONE).load();
    }

    static Object load(String opcodes) throws IOException {
        return load(opcodes.getBytes(StandardCharsets.ISO_8859_1));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void cpythonPicklesOfEveryProtocolReadAsPythonWroteThem(int protocol) throws IOException {
        JsonNode expected = normalizeFloats(new ObjectMapper().readTree(DIR.resolve("value.json").toFile()));
        Object value = load(Files.readAllBytes(DIR.resolve("value_protocol" + protocol + ".pkl")));
        assertThat(canon(value)).isEqualTo(expected);
    }

    private static final Path ATTACK = Path.of("src", "test", "resources", "attack");

    @Test
    void nestedSharedTuplesAsKeysAndSetItemsCostLinearTime() throws IOException {
        // 60 levels of t = (t, t): 2^60 leaves; Python's own unpickler does not finish these
        for (String name : List.of("pickle_nested_tuple_dict_key.pkl", "pickle_nested_tuple_set_item.pkl", "pickle_equal_tuple_dags.pkl")) {
            long t0 = System.nanoTime();
            Object v = load(Files.readAllBytes(ATTACK.resolve(name)));
            assertThat(v).as(name).isInstanceOfAny(PyDict.class, PySet.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).as(name + " ms").isLessThan(2_000);
        }
        // the two equal DAGs are one key, as in Python
        assertThat((PyDict) load(Files.readAllBytes(ATTACK.resolve("pickle_equal_tuple_dags.pkl")))).hasSize(1);
    }

    @Test
    void repeatedCopiesOfALargeListRunOutOfTheWorkBudget() throws IOException {
        // 20,000 calls of list(L) on a 20,000-item list: 40,000 opcodes, 400 M items copied
        assertThatThrownBy(() -> load(Files.readAllBytes(ATTACK.resolve("pickle_list_copies.pkl"))))
                .isInstanceOf(PickleException.class).hasMessageContaining("more than 200000000 items copied");
        assertThatThrownBy(() -> load(Files.readAllBytes(ATTACK.resolve("pickle_negative_memo_get.pkl"))))
                .isInstanceOf(PickleException.class).hasMessageContaining("negative memo index -1");
    }

    @Test
    void sharedObjectsStayShared() throws IOException {
        PyDict d = (PyDict) load(Files.readAllBytes(DIR.resolve("value_protocol4.pkl")));
        assertThat(d.get("shared_a")).isSameAs(d.get("shared_b"));
    }

    @Test
    void protocolZeroInstAndObjBuildPlaceholdersWithState() throws IOException {
        // INST module\nname\n with MARK args, then BUILD a dict; OBJ with a class on the mark
        Object inst = load("(S'arg'\nimyapp.models\nNet\n(dS'depth'\nI50\nsb.");
        assertThat(inst).isInstanceOf(PyObject.class);
        PyObject o = (PyObject) inst;
        assertThat(o.typeName()).isEqualTo("myapp.models.Net");
        assertThat(o.args().items()).containsExactly("arg");
        assertThat(o.attributes()).containsEntry("depth", 50L);
        PyObject obj = (PyObject) load("(cmyapp\nThing\nI1\no.");
        assertThat(obj.typeName()).isEqualTo("myapp.Thing");
        assertThat(obj.args().items()).containsExactly(1L);
    }

    @Test
    @SuppressWarnings("unchecked")
    void textPersistentIdsGoToTheHooks() throws IOException {
        List<Object> seen = new ArrayList<>();
        PickleHooks hooks = new PickleHooks() {
            @Override public Object persistentLoad(Object pid) {
                seen.add(pid);
                return "resolved";
            }

            @Override public Reconstructor reconstructor(PyGlobal callable) { return null; }
        };
        Object v = new PickleMachine(ByteSource.of("(Pstorage-7\nS'x'\nQl.".getBytes(StandardCharsets.ISO_8859_1)), hooks).load();
        assertThat((List<Object>) v).containsExactly("resolved", "resolved");
        assertThat(seen).containsExactly("storage-7", "x");
    }

    @Test
    void stackOpcodesDupPopAndPopMark() throws IOException {
        assertThat(load("(I1\n2t.")).isEqualTo(PyTuple.of(1L, 1L));
        assertThat(load("I1\nI2\n0\u0085.")).isEqualTo(PyTuple.of(1L));
        assertThat(load("I9\n(I1\nI2\n1\u0085.")).isEqualTo(PyTuple.of(9L));
    }

    @Test
    void extensionCodesAndUnknownGlobalsBecomeInertPlaceholders() throws IOException {
        PickleMachine vm = new PickleMachine(ByteSource.of(hex("8002820529522e")), PickleHooks.NONE);
        Object v = vm.load();
        assertThat(v).isInstanceOf(PyObject.class);
        assertThat(((PyObject) v).typeName()).isEqualTo("copyreg.extension.5");
        assertThat(vm.placeholderTypes()).containsExactly("copyreg.extension.5");
    }

    @Test
    void hostileReduceIsRecordedNeverCalled(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path canary = dir.resolve("pwned");
        PickleMachine vm = new PickleMachine(ByteSource.of(("cos\nsystem\n(S'touch " + canary + "'\ntR.")
                .getBytes(StandardCharsets.ISO_8859_1)), PickleHooks.NONE);
        PyObject o = (PyObject) vm.load();
        assertThat(o.typeName()).isEqualTo("os.system");
        assertThat(o.args().items()).containsExactly("touch " + canary);
        assertThat(canary).doesNotExist();
    }

    @Test
    void malformedPicklesFailWithAClearMessage() {
        assertThatThrownBy(() -> load("")).hasMessageContaining("ends unexpectedly");
        assertThatThrownBy(() -> load("abc")).hasMessageContaining("stack underflow");
        assertThatThrownBy(() -> load("\u00ff")).hasMessageContaining("unknown opcode 0xff");
        assertThatThrownBy(() -> load("h\u0005.")).hasMessageContaining("memo entry 5");
        assertThatThrownBy(() -> load(hex("8004" + "8d" + "0000000000000040" + "2e"))).hasMessageContaining("runs past the end");
        assertThatThrownBy(() -> load(hex("8002" + "8b" + "ffffff7f" + "2e"))).hasMessageContaining("too large");
        assertThatThrownBy(() -> load("L" + "9".repeat(100_000) + "L\n.")).hasMessageContaining("too large");
        assertThatThrownBy(() -> load(hex("8006"))).hasMessageContaining("protocol 6");
        assertThatThrownBy(() -> load(hex("80059700"))).hasMessageContaining("out-of-band");
    }

    @Test
    void markNestingIsBounded() {
        String marks = "(".repeat(200_000);
        assertThatThrownBy(() -> load(marks + ".")).hasMessageContaining("MARK nesting deeper than");
    }

    @Test
    @SuppressWarnings("unchecked")
    void framesAndMemoizeOfProtocolFour() throws IOException {
        // FRAME(len) EMPTY_LIST MEMOIZE SHORT_BINUNICODE 'a' APPEND BINGET 0 STOP
        Object v = load(hex("8004950a00000000000000" + "5d94" + "8c0161" + "61" + "6800" + "2e"));
        assertThat((List<Object>) v).containsExactly("a");
    }

    @Test
    void py2StringsDecodeToText() throws IOException {
        assertThat(load("U\u0003abc.")).isEqualTo("abc");
        assertThat(load("T\u0002\u0000\u0000\u0000hi.")).isEqualTo("hi");
        assertThat(load("S'a\\nb'\n.")).isEqualTo("a\nb");
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    /** The same canonical JSON form as scripts/make_pickle_fixtures.py writes. */
    static JsonNode canon(Object v) {
        if (v == PyValues.None.NONE) return F.nullNode();
        if (v instanceof Boolean b) return F.booleanNode(b);
        if (v instanceof String s) return F.textNode(s);
        if (v instanceof Long || v instanceof BigInteger) return F.objectNode().put("int", v.toString());
        if (v instanceof Double d) return F.objectNode().put("float", Double.toString(d));
        if (v instanceof PyValues.Bytes b) return F.objectNode().put("bytes", HexFormat.of().formatHex(b.value()));
        if (v instanceof PyValues.Complex c) {
            ObjectNode o = F.objectNode();
            o.putArray("complex").add(Double.toString(c.real())).add(Double.toString(c.imag()));
            return o;
        }
        if (v instanceof PyTuple t) {
            ObjectNode o = F.objectNode();
            ArrayNode a = o.putArray("tuple");
            t.items().forEach(x -> a.add(canon(x)));
            return o;
        }
        if (v instanceof PyList l) {
            ArrayNode a = F.arrayNode();
            l.forEach(x -> a.add(canon(x)));
            return a;
        }
        if (v instanceof PySet s) {
            TreeSet<String> sorted = new TreeSet<>();
            for (Object x : s) sorted.add(sortedJson(canon(x)));
            ObjectNode o = F.objectNode();
            ArrayNode a = o.putArray("set");
            sorted.forEach(a::add);
            return o;
        }
        if (v instanceof PyDict d) {
            ObjectNode o = F.objectNode();
            ArrayNode a = o.putArray("dict");
            for (Map.Entry<Object, Object> e : d.entrySet()) a.add(F.arrayNode().add(canon(e.getKey())).add(canon(e.getValue())));
            return o;
        }
        throw new AssertionError("unexpected value " + v + " of " + v.getClass());
    }

    /** Python's json.dumps(sort_keys=True) of the small values that sets hold. */
    private static String sortedJson(JsonNode n) {
        if (n.isObject() && n.has("int")) return "{\"int\": \"" + n.get("int").asText() + "\"}";
        if (n.isTextual()) return "\"" + n.asText() + "\"";
        return n.toString();
    }

    /** Python writes floats with repr(); compare them as numbers. */
    private static JsonNode normalizeFloats(JsonNode n) {
        if (n.isObject() && n.has("float")) {
            return F.objectNode().put("float", Double.toString(pyFloat(n.get("float").asText())));
        }
        if (n.isObject() && n.has("complex")) {
            ObjectNode o = F.objectNode();
            o.putArray("complex").add(Double.toString(pyFloat(n.get("complex").get(0).asText())))
                    .add(Double.toString(pyFloat(n.get("complex").get(1).asText())));
            return o;
        }
        if (n.isObject()) {
            ObjectNode o = F.objectNode();
            n.fields().forEachRemaining(e -> o.set(e.getKey(), normalizeFloats(e.getValue())));
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = F.arrayNode();
            n.forEach(x -> a.add(normalizeFloats(x)));
            return a;
        }
        return n;
    }

    private static double pyFloat(String s) {
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
