package io.weightbench.format.pickle;

import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A pickle virtual machine for protocols 0-5 that never imports or calls anything.
 *
 * <p>Values map to Java as: None -> {@link PyValues.None}, bool -> Boolean, int -> Long (or
 * BigInteger), float -> Double, str -> String, bytes -> {@link PyValues.Bytes}, list -> {@link PyList},
 * tuple -> {@link PyTuple}, dict -> {@link PyDict}, set -> {@link PySet}, a class or function ->
 * {@link PyGlobal}. A small set of harmless builtins is interpreted here (OrderedDict, set,
 * {@code _codecs.encode}, copyreg, numpy arrays and scalars); format hooks interpret more; every
 * other call or instantiation yields an inert {@link PyObject}.
 */
public final class PickleMachine {

    /**
     * Bounds that turn hostile input into an error instead of a hang or an out-of-memory.
     * {@code maxWork} bounds what one opcode can cost beyond itself: items copied by a call
     * ({@code list(L)} of a big list, again and again) and bytes hashed as dict keys or set items.
     */
    public record Limits(int maxMarkDepth, int maxMemo, int maxLongDigits, long maxOpcodes, long maxWork) {
        public static final Limits DEFAULT = new Limits(100_000, 50_000_000, 4096, 500_000_000L, 200_000_000L);

        public Limits(int maxMarkDepth, int maxMemo, int maxLongDigits, long maxOpcodes) {
            this(maxMarkDepth, maxMemo, maxLongDigits, maxOpcodes, maxOpcodes);
        }
    }

    private final Input in;
    private final PickleHooks hooks;
    private final Limits limits;
    // The stack and the mark stack as plain arrays: the VM runs mostly before the JIT has warmed
    // up, where every collection call costs.
    private Object[] stack = new Object[64];
    private int sp;
    private int[] marks = new int[16];
    private int mp;
    /** The bottom of the current MARK frame: pops may not go below it. */
    private int fence;
    /** The memo: dense indices (what picklers write) in a list, anything else in a map. */
    private final List<Object> memo = new ArrayList<>();
    private final Map<Long, Object> sparseMemo = new HashMap<>();
    private final TreeSet<String> placeholderTypes = new TreeSet<>();
    private final TreeSet<String> globalNames = new TreeSet<>();
    private int protocol;

    public PickleMachine(ByteSource source, long start, PickleHooks hooks, Limits limits) {
        this.in = new Input(source, start);
        this.hooks = hooks;
        this.limits = limits;
    }

    public PickleMachine(ByteSource source, PickleHooks hooks) {
        this(source, 0, hooks, Limits.DEFAULT);
    }

    /** The position just after the STOP opcode, once {@link #load()} has returned. */
    public long position() { return in.pos; }

    public int protocol() { return protocol; }

    /** The qualified names of every global that became a placeholder, sorted. */
    public TreeSet<String> placeholderTypes() { return placeholderTypes; }

    /**
     * The qualified names of every global the pickle names (called or not), sorted: what
     * {@code torch.load} would import. See {@link PickleGlobals}.
     */
    public TreeSet<String> globalNames() { return globalNames; }

    /** Runs the pickle to its STOP opcode and returns the value it built. */
    public Object load() throws IOException {
        try {
            // The loop stays minimal: it runs interpreted for a whole pickle (one long loop is
            // compiled late), while step() is compiled after a few hundred calls.
            while (step()) {
                // next opcode
            }
        } catch (StackOverflowError e) {
            throw new PickleException("objects nested too deeply");
        }
        if (sp == 0) throw new PickleException("STOP with an empty stack");
        return stack[sp - 1];
    }

    private long opcodes;
    private long work;

    /** Counts work beyond the opcode itself; refuses the pickle past {@link Limits#maxWork()}. */
    private void charge(long units) throws PickleException {
        work += units;
        if (work > limits.maxWork()) {
            throw new PickleException("the pickle asks for more than " + limits.maxWork()
                    + " items copied or bytes hashed (repeated copies of a large list, or large keys used many times)");
        }
    }

    private void chargeKeys(java.util.Collection<Object> keys, int step) throws PickleException {
        long n = 0;
        int i = 0;
        for (Object k : keys) {
            if (i++ % step == 0 && k instanceof PyValues.Bytes b) n += b.value().length;
        }
        if (n > 0) charge(n);
    }

    private static long sizeOf(Object v) {
        if (v instanceof java.util.Collection<?> c) return c.size();
        if (v instanceof Map<?, ?> m) return m.size();
        if (v instanceof PyTuple t) return t.size();
        return 0;
    }

    /** Runs one opcode; false at STOP. */
    private boolean step() throws IOException {
        if (++opcodes > limits.maxOpcodes()) throw new PickleException("more than " + limits.maxOpcodes() + " opcodes");
        long at = in.pos;
        int op = in.u8();
        if (op == '.') return false;
        step(op, at);
        return true;
    }

    private void step(int op, long at) throws IOException {
        // The opcodes torch's pickles are made of; the rest live in stepRare so that this
        // method stays small and is compiled early in a short run.
        switch (op) {
            case '(' -> {
                if (mp >= limits.maxMarkDepth()) throw new PickleException("MARK nesting deeper than " + limits.maxMarkDepth());
                if (mp == marks.length) marks = java.util.Arrays.copyOf(marks, mp * 2);
                marks[mp++] = sp;
                fence = sp;
            }
            case 'J' -> push((long) in.i32());
            case 'K' -> push((long) in.u8());
            case 'M' -> push((long) in.u16());
            case 0x8a -> push(littleEndianLong(in.bytes(in.u8())));
            case 'N' -> push(PyValues.None.NONE);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'X' -> push(utf8(in.bytes(checkedLength(in.u32()))));
            case 0x8c -> push(utf8(in.bytes(in.u8())));
            case ')' -> push(new PyTuple(List.of()));
            case 't' -> push(new PyTuple(popMark()));
            case 0x85 -> push(PyTuple.of(pop()));
            case 0x86 -> {
                Object b = pop(), a = pop();
                push(PyTuple.of(a, b));
            }
            case 0x87 -> {
                Object c = pop(), b = pop(), a = pop();
                push(PyTuple.of(a, b, c));
            }
            case ']' -> push(new PyList());
            case 'a' -> {
                Object v = pop();
                append(peek(), List.of(v));
            }
            case 'e' -> {
                List<Object> items = popMark();
                append(peek(), items);
            }
            case '}' -> push(new PyDict());
            case 's' -> {
                Object v = pop(), k = pop();
                setItems(peek(), List.of(k, v));
            }
            case 'u' -> {
                List<Object> items = popMark();
                setItems(peek(), items);
            }
            case 'q' -> memoPut(in.u8());
            case 'r' -> memoPut(in.u32());
            case 0x94 -> memoPut(memo.size() + sparseMemo.size());
            case 'h' -> push(memoGet(in.u8()));
            case 'j' -> push(memoGet(in.u32()));
            case 0x93 -> {
                Object name = pop(), module = pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new PickleException("STACK_GLOBAL needs two strings, got " + typeOf(module) + " and " + typeOf(name));
                }
                push(global(m, n));
            }
            case 'R' -> {
                Object args = pop(), callable = pop();
                push(call(callable, asTuple(args, "REDUCE")));
            }
            case 0x81 -> {
                Object args = pop(), cls = pop();
                push(instantiate(cls, asTuple(args, "NEWOBJ")));
            }
            case 'b' -> {
                Object state = pop();
                build(peek(), state);
            }
            case 'Q' -> push(hooks.persistentLoad(pop()));
            default -> stepRare(op, at);
        }
    }

    private void stepRare(int op, long at) throws IOException {
        switch (op) {
            case 0x80 -> { // PROTO
                protocol = in.u8();
                if (protocol > 5) throw new PickleException("unsupported pickle protocol " + protocol);
            }
            case 0x95 -> in.skipFrameHeader(); // FRAME: an 8-byte length; frames need no special handling
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 'I' -> push(parseTextInt(in.line()));
            case 'L' -> push(parseTextLong(in.line()));
            case 0x8b -> {
                long n = in.i32();
                if (n < 0) throw new PickleException("negative LONG4 length " + n);
                if (n > limits.maxLongDigits()) throw new PickleException("integer of " + n + " bytes is too large");
                push(littleEndianLong(in.bytes((int) n)));
            }
            case 'F' -> push(parseFloat(in.line()));
            case 'G' -> push(ByteBuffer.wrap(in.bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
            case 'S' -> push(parseQuotedString(in.line()));
            case 'T' -> push(py2Text(in.bytes(checkedLength(in.u32()))));
            case 'U' -> push(py2Text(in.bytes(in.u8())));
            case 'V' -> push(decodeRawUnicodeEscape(in.line()));
            case 0x8d -> push(utf8(in.bytes(checkedLength(in.u64()))));
            case 'B' -> push(bytesValue(in.u32()));
            case 'C' -> push(new PyValues.Bytes(in.bytes(in.u8())));
            case 0x8e -> push(bytesValue(in.u64()));
            case 0x96 -> push(new PyValues.Bytes(in.bytes(checkedLength(in.u64())))); // BYTEARRAY8
            case 0x97 -> throw new PickleException("out-of-band buffer (NEXT_BUFFER) without buffers");
            case 0x98 -> { /* READONLY_BUFFER: no effect on our values */ }
            case 'l' -> {
                PyList l = new PyList();
                l.addAll(popMark());
                push(l);
            }
            case 'd' -> {
                List<Object> items = popMark();
                chargeKeys(items, 2);
                PyDict d = new PyDict();
                putPairs(d, items);
                push(d);
            }
            case 0x8f -> push(new PySet());
            case 0x90 -> {
                List<Object> items = popMark();
                if (!(peek() instanceof PySet s)) throw new PickleException("ADDITEMS on a " + typeOf(peek()));
                chargeKeys(items, 1);
                s.addAll(items);
            }
            case 0x91 -> {
                PySet s = new PySet();
                List<Object> items = popMark();
                chargeKeys(items, 1);
                s.addAll(items);
                push(s);
            }
            case 'p' -> memoPut(parseLongStrict(in.line()));
            case 'g' -> push(memoGet(parseLongStrict(in.line())));
            case 'c' -> {
                String module = in.lineText();
                String name = in.lineText();
                push(global(module, name));
            }
            case 0x82 -> push(global("copyreg.extension", Long.toString(in.u8())));
            case 0x83 -> push(global("copyreg.extension", Long.toString(in.u16())));
            case 0x84 -> push(global("copyreg.extension", Long.toString(in.u32())));
            case 0x92 -> {
                Object kwargs = pop(), args = pop(), cls = pop();
                PyObject o = instantiateObject(cls, asTuple(args, "NEWOBJ_EX"));
                if (kwargs instanceof PyDict kw && !kw.isEmpty()) o.dictItems().putAll(kw);
                push(o);
            }
            case 'i' -> {
                String module = in.lineText();
                String name = in.lineText();
                push(instantiate(global(module, name), new PyTuple(popMark())));
            }
            case 'o' -> {
                List<Object> items = popMark();
                if (items.isEmpty()) throw new PickleException("OBJ without a class");
                push(instantiate(items.get(0), new PyTuple(items.subList(1, items.size()))));
            }
            case 'P' -> push(hooks.persistentLoad(in.lineText()));
            // no String.format: probing a file that is not a pickle ends here, and a cold Formatter costs milliseconds
            default -> throw new PickleException("unknown opcode 0x" + Character.forDigit(op >> 4, 16) + Character.forDigit(op & 0xf, 16)
                    + " at offset " + at);
        }
    }

    // ---- interpretation of calls ----

    private PyGlobal global(String module, String name) {
        PyGlobal g = new PyGlobal(module, name);
        globalNames.add(g.qualifiedName());
        return g;
    }

    private Object call(Object callable, PyTuple args) throws PickleException {
        if (!(callable instanceof PyGlobal g)) {
            if (callable instanceof PyObject o) return placeholder(o.type(), args);
            throw new PickleException("REDUCE on a " + typeOf(callable) + ", not a class or function");
        }
        Reconstructor r = g.reconstructor;
        if (r == null) g.reconstructor = r = resolve(g);
        Object v = r.call(args);
        charge(sizeOf(v)); // list(L), dict(d), set(s): one opcode, a copy as large as L
        return v != null ? v : placeholder(g, args);
    }

    /** The format's interpretation of a callable, then the VM's own ones; a call neither interprets stays inert. */
    private Reconstructor resolve(PyGlobal g) {
        Reconstructor format = hooks.reconstructor(g);
        Reconstructor builtin = Builtins.reconstructor(g);
        if (format == null) return builtin != null ? builtin : args -> null;
        if (builtin == null) return format;
        return args -> {
            Object v = format.call(args);
            return v != null ? v : builtin.call(args);
        };
    }

    private Object instantiate(Object cls, PyTuple args) throws PickleException {
        if (cls instanceof PyGlobal g) {
            Optional<Object> builtin = Builtins.instantiate(g, args);
            if (builtin.isPresent()) {
                charge(sizeOf(builtin.get()));
                return builtin.get();
            }
        }
        return instantiateObject(cls, args);
    }

    private PyObject instantiateObject(Object cls, PyTuple args) throws PickleException {
        if (cls instanceof PyGlobal g) return placeholder(g, args);
        throw new PickleException("NEWOBJ on a " + typeOf(cls) + ", not a class");
    }

    private PyObject placeholder(PyGlobal type, PyTuple args) {
        placeholderTypes.add(type.qualifiedName());
        return new PyObject(type, args);
    }

    private void build(Object target, Object state) throws PickleException {
        if (target instanceof PyObject o) {
            Object value = hooks.build(o, state);
            if (value != null) {
                o.resolveTo(value);
                return;
            }
            if (o.state() instanceof PyDict old && state instanceof PyDict add) {
                old.putAll(add);
            } else {
                o.setState(state);
            }
        } else if (target instanceof PyDict d) {
            Object attrs = state instanceof PyTuple t && t.size() == 2 ? t.get(0) : state;
            if (attrs instanceof PyDict a) {
                for (Map.Entry<Object, Object> e : a.entrySet()) d.attributes().put(PyValues.keyText(e.getKey()), e.getValue());
            }
        } else if (!Builtins.build(target, state)) {
            // BUILD on values we represent natively (tensors with extra state, lists): the state is
            // not needed to show the tensors; keep going.
        }
    }

    private void append(Object target, List<Object> items) throws PickleException {
        if (target instanceof PyList l) {
            l.addAll(items);
        } else if (target instanceof PyObject o) {
            o.listItems().addAll(items);
        } else if (target instanceof PySet s) {
            chargeKeys(items, 1);
            s.addAll(items);
        } else {
            throw new PickleException("APPEND to a " + typeOf(target));
        }
    }

    private void setItems(Object target, List<Object> items) throws PickleException {
        if (items.size() % 2 != 0) throw new PickleException("SETITEMS with an odd number of items");
        chargeKeys(items, 2);
        if (target instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked") Map<Object, Object> m = (Map<Object, Object>) target;
            putPairs(m, items);
        } else if (target instanceof PyObject o) {
            putPairs(o.dictItems(), items);
        } else {
            throw new PickleException("SETITEM on a " + typeOf(target));
        }
    }

    private static void putPairs(Map<Object, Object> m, List<Object> items) {
        for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
    }

    // ---- stack and memo ----

    private void push(Object v) {
        if (sp == stack.length) stack = java.util.Arrays.copyOf(stack, sp * 2);
        stack[sp++] = v;
    }

    private Object pop() throws PickleException {
        if (sp <= fence) throw new PickleException("stack underflow");
        Object v = stack[--sp];
        stack[sp] = null;
        return v;
    }

    private Object peek() throws PickleException {
        if (sp <= fence) throw new PickleException("stack underflow");
        return stack[sp - 1];
    }

    private List<Object> popMark() throws PickleException {
        if (mp == 0) throw new PickleException("no MARK on the stack");
        int at = marks[--mp];
        fence = mp > 0 ? marks[mp - 1] : 0;
        Object[] items = java.util.Arrays.copyOfRange(stack, at, sp);
        java.util.Arrays.fill(stack, at, sp, null);
        sp = at;
        return java.util.Arrays.asList(items);
    }

    private void memoPut(long index) throws PickleException {
        if (index < 0) throw new PickleException("negative memo index " + index);
        Object v = peek();
        if (index < memo.size()) {
            memo.set((int) index, v);
            return;
        }
        if (memo.size() + sparseMemo.size() >= limits.maxMemo()) {
            throw new PickleException("more than " + limits.maxMemo() + " memo entries");
        }
        if (index == memo.size()) {
            memo.add(v);
        } else {
            sparseMemo.put(index, v);
        }
    }

    private Object memoGet(long index) throws PickleException {
        if (index < 0) throw new PickleException("negative memo index " + index);
        Object v = index < memo.size() ? memo.get((int) index) : sparseMemo.get(index);
        if (v == null) throw new PickleException("memo entry " + index + " read before it was written");
        return v;
    }

    // ---- parsing helpers ----

    /** Bytes under 1 MiB are read; larger ones stay in the file as a view (numpy array data), never copied into the heap. */
    static final long LARGE_BYTES = 1 << 20;

    private Object bytesValue(long n) throws IOException {
        if (n >= LARGE_BYTES && n <= in.remaining()) return new PyValues.LargeBytes(in.slice(n));
        return new PyValues.Bytes(in.bytes(checkedLength(n)));
    }

    private int checkedLength(long n) throws PickleException {
        if (n < 0 || n > in.remaining()) {
            throw new PickleException("a string of " + Long.toUnsignedString(n) + " bytes runs past the end of the pickle (truncated file?)");
        }
        if (n > Integer.MAX_VALUE - 16) throw new PickleException("a string of " + n + " bytes is too large");
        return (int) n;
    }

    private static PyTuple asTuple(Object args, String op) throws PickleException {
        if (args instanceof PyTuple t) return t;
        if (args instanceof PyList l) return new PyTuple(l);
        throw new PickleException(op + " arguments are a " + typeOf(args) + ", not a tuple");
    }

    private Object parseTextInt(byte[] line) throws PickleException {
        String s = new String(line, StandardCharsets.US_ASCII).trim();
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        return parseTextLong(line);
    }

    private Object parseTextLong(byte[] line) throws PickleException {
        String s = new String(line, StandardCharsets.US_ASCII).trim();
        if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
        if (s.length() > limits.maxLongDigits()) throw new PickleException("integer of " + s.length() + " digits is too large");
        try {
            BigInteger b = new BigInteger(s);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        } catch (NumberFormatException e) {
            throw new PickleException("bad integer literal '" + abbreviate(s) + "'");
        }
    }

    private static long parseLongStrict(byte[] line) throws PickleException {
        String s = new String(line, StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new PickleException("bad memo index '" + abbreviate(s) + "'");
        }
    }

    private static Double parseFloat(byte[] line) throws PickleException {
        String s = new String(line, StandardCharsets.US_ASCII).trim();
        try {
            return switch (s) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(s);
            };
        } catch (NumberFormatException e) {
            throw new PickleException("bad float literal '" + abbreviate(s) + "'");
        }
    }

    static Object littleEndianLong(byte[] b) {
        if (b.length == 0) return 0L;
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) be[i] = b[b.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** A protocol-0 {@code STRING} literal: Python repr of a (byte) string, quoted. */
    private static Object parseQuotedString(byte[] line) throws PickleException {
        String s = new String(line, StandardCharsets.ISO_8859_1).trim();
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw new PickleException("STRING literal is not quoted: " + abbreviate(s));
        }
        String body = s.substring(1, s.length() - 1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                out.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i;
                    while (end < body.length() && end < i + 3 && body.charAt(end) >= '0' && body.charAt(end) <= '7') end++;
                    out.append((char) Integer.parseInt(body.substring(i, end), 8));
                    i = end - 1;
                }
                case 'x' -> {
                    if (i + 2 >= body.length()) throw new PickleException("bad \\x escape in STRING");
                    try {
                        out.append((char) Integer.parseInt(body.substring(i + 1, i + 3), 16));
                    } catch (NumberFormatException ex) {
                        throw new PickleException("bad \\x escape in STRING");
                    }
                    i += 2;
                }
                default -> out.append(e);
            }
        }
        // Python 2 str: text for us when it is ASCII (the common case: keys and names).
        return out.toString();
    }

    private static String decodeRawUnicodeEscape(byte[] line) {
        String s = new String(line, StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'u' || s.charAt(i + 1) == 'U')) {
                int digits = s.charAt(i + 1) == 'u' ? 4 : 8;
                if (i + 2 + digits <= s.length()) {
                    try {
                        out.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 2 + digits), 16));
                        i += 1 + digits;
                        continue;
                    } catch (IllegalArgumentException ignored) {
                        // not an escape after all
                    }
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static String py2Text(byte[] b) {
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
        try {
            return d.decode(ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    static String typeOf(Object v) {
        if (v == null) return "nothing";
        if (v instanceof PyObject o) return o.typeName() + " object";
        return v.getClass().getSimpleName();
    }

    /**
     * Buffered reading of the pickle's bytes from its source. A small source is read whole into
     * one array; the hot path ({@link #u8}) is an array index, fast even before the JIT warms up.
     */
    private static final class Input {
        private static final int WHOLE = 64 * 1024 * 1024;
        private final ByteSource src;
        private final long size;
        private long pos;
        private byte[] buf;
        private long bufStart;
        private int bufLen;

        Input(ByteSource src, long start) {
            this.src = src;
            this.size = src.size();
            this.pos = start;
            this.buf = new byte[0];
        }

        long remaining() { return size - pos; }

        int u8() throws IOException {
            int i = (int) (pos - bufStart);
            if (i >= 0 && i < bufLen) {
                pos++;
                return buf[i] & 0xff;
            }
            return slowU8();
        }

        private int slowU8() throws IOException {
            if (pos >= size) throw new PickleException("the pickle ends unexpectedly at offset " + pos + " (truncated file?)");
            fill();
            return buf[(int) (pos++ - bufStart)] & 0xff;
        }

        private void fill() throws IOException {
            long left = size - pos;
            int want = left <= WHOLE && bufStart == 0 && bufLen == 0 ? (int) left : (int) Math.min(64 * 1024, left);
            if (buf.length < want) buf = new byte[want];
            bufStart = pos;
            bufLen = want;
            src.read(pos, buf, 0, bufLen);
        }

        int u16() throws IOException {
            int i = (int) (pos - bufStart);
            if (i >= 0 && i + 2 <= bufLen) {
                pos += 2;
                return (buf[i] & 0xff) | (buf[i + 1] & 0xff) << 8;
            }
            return u8() | (u8() << 8);
        }

        int i32() throws IOException {
            int i = (int) (pos - bufStart);
            if (i >= 0 && i + 4 <= bufLen) { // one call, not four: memo indices and ints are most of a torch pickle
                pos += 4;
                return (buf[i] & 0xff) | (buf[i + 1] & 0xff) << 8 | (buf[i + 2] & 0xff) << 16 | buf[i + 3] << 24;
            }
            return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
        }

        long u32() throws IOException { return i32() & 0xffffffffL; }

        long u64() throws IOException {
            long lo = u32();
            long hi = u32();
            return lo | (hi << 32);
        }

        void skipFrameHeader() throws IOException { u64(); }

        byte[] bytes(int n) throws IOException {
            if (n > remaining()) throw new PickleException("the pickle ends unexpectedly: " + n + " bytes wanted at offset " + pos);
            byte[] b = new byte[n];
            int i = (int) (pos - bufStart);
            if (i >= 0 && i + n <= bufLen) {
                System.arraycopy(buf, i, b, 0, n);
            } else {
                src.read(pos, b, 0, n);
            }
            pos += n;
            return b;
        }

        /** The next {@code n} bytes as a view of the source, without reading them. */
        ByteSource slice(long n) throws IOException {
            if (n < 0 || n > remaining()) throw new PickleException("the pickle ends unexpectedly: " + n + " bytes wanted at offset " + pos);
            ByteSource s = src.slice(pos, n);
            pos += n;
            return s;
        }

        byte[] line() throws IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (true) {
                int c = u8();
                if (c == '\n') return out.toByteArray();
                if (out.size() > 1 << 20) throw new PickleException("a text line longer than 1 MiB");
                out.write(c);
            }
        }

        String lineText() throws IOException {
            return new String(line(), StandardCharsets.UTF_8);
        }
    }
}
