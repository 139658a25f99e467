package io.weightbench.format.pickle;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which Python globals a pickle may name without running code, by an allowlist: the globals
 * {@code torch.load(weights_only=True)} of torch 1.13 accepts ({@code _get_allowed_globals}, copied
 * verbatim), then data types Weightbench reads that run no code but that torch 1.13's
 * {@code weights_only} refuses, and everything else. {@code torch.load(weights_only=False)} imports
 * every global a pickle names and calls it as the pickle says: a global off the allowlist is code
 * that would run. For the known dangerous ones the verdict says what the call would do.
 */
public final class PickleGlobals {

    private PickleGlobals() {}

    /** How much trust a global deserves. */
    public enum Kind {
        /** On torch 1.13's {@code weights_only} allowlist. */
        TORCH_SAFE,
        /** A data type that runs no code (numpy arrays, sets, devices), which {@code weights_only=True} still refuses. */
        DATA,
        /** Not known to be safe: importing and calling it may do anything. */
        UNKNOWN,
        /** Known to run code, commands or file and network operations. */
        DANGEROUS
    }

    /** A global's classification; {@code effect} says what calling it would do (empty unless known). */
    public record Verdict(String global, Kind kind, String effect) {
        /** torch.load(weights_only=True) refuses a pickle naming this global. */
        public boolean refusedByWeightsOnly() { return kind != Kind.TORCH_SAFE; }
    }

    /** torch 1.13's {@code torch._weights_only_unpickler._get_allowed_globals()}, as it prints them. */
    static final Set<String> TORCH_WEIGHTS_ONLY;

    static {
        java.util.HashSet<String> s = new java.util.HashSet<>(Set.of("collections.OrderedDict", "torch.nn.parameter.Parameter",
                "torch.serialization._get_layout", "torch.Size", "torch.Tensor", "torch.storage.TypedStorage", "torch.storage.UntypedStorage",
                "torch._utils._rebuild_parameter", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
                "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_meta_tensor_no_storage", "torch._utils._rebuild_sparse_csr_tensor"));
        for (String t : new String[] {"complex32", "complex64", "complex128", "float16", "float32", "float64", "int8", "int16", "int32", "int64"}) {
            s.add("torch." + t);
        }
        String[] kinds = {"BFloat16", "Bool", "Byte", "Char", "Double", "Float", "Half", "Int", "Long", "Short"};
        for (String k : kinds) {
            s.add("torch." + k + "Storage");
            s.add("torch." + k + "Tensor");
            s.add("torch.cuda." + k + "Storage");
            s.add("torch.cuda." + k + "Tensor");
            if (!k.equals("Bool")) {
                s.add("torch.sparse." + k + "Tensor");
                s.add("torch.cuda.sparse." + k + "Tensor");
            }
        }
        for (String k : new String[] {"ComplexDouble", "ComplexFloat"}) {
            s.add("torch." + k + "Storage");
            s.add("torch.cuda." + k + "Storage");
        }
        for (String k : new String[] {"QInt32", "QInt8", "QUInt2x4", "QUInt4x2", "QUInt8"}) s.add("torch." + k + "Storage");
        TORCH_WEIGHTS_ONLY = Set.copyOf(s);
    }

    /** Data types that build values and run nothing; Weightbench interprets each of them. */
    static final Set<String> DATA = Set.of("collections.defaultdict", "builtins.dict", "builtins.list", "builtins.tuple",
            "builtins.set", "builtins.frozenset", "builtins.bytearray", "builtins.bytes", "builtins.complex", "builtins.int",
            "builtins.float", "builtins.str", "builtins.bool", "builtins.slice", "builtins.range", "_codecs.encode",
            "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype",
            "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "torch.device", "torch._utils._rebuild_qtensor",
            "torch._utils._rebuild_tensor_v3", "torch._utils._rebuild_parameter_with_state", "torch._utils._rebuild_device_tensor_from_numpy",
            "torch.bfloat16", "torch.uint8", "torch.bool", "torch.qint8", "torch.quint8", "torch.qint32", "torch.per_tensor_affine",
            "torch.per_channel_affine", "torch.contiguous_format", "torch.channels_last", "torch.strided");

    /**
     * Known to act when called, by qualified name or module prefix (a prefix ends with a dot),
     * with what the call does. Longest match wins.
     */
    static final Map<String, String> DANGEROUS = new LinkedHashMap<>();

    static {
        String shell = "runs a shell command";
        String program = "runs a program";
        String python = "runs Python code given as a string";
        for (String m : new String[] {"os.", "posix.", "nt."}) {
            DANGEROUS.put(m, "calls an operating-system function (files, processes, environment)");
            DANGEROUS.put(m + "system", shell);
            DANGEROUS.put(m + "popen", shell);
            for (String e : new String[] {"execv", "execve", "execl", "execlp", "execvp", "execvpe", "spawnv", "spawnve", "spawnl",
                    "spawnlp", "spawnvp", "posix_spawn", "posix_spawnp", "startfile"}) {
                DANGEROUS.put(m + e, program);
            }
            for (String e : new String[] {"remove", "unlink", "rmdir", "removedirs", "rename", "replace", "truncate", "chmod", "chown"}) {
                DANGEROUS.put(m + e, "changes or deletes files");
            }
            DANGEROUS.put(m + "kill", "sends a signal to a process");
            DANGEROUS.put(m + "putenv", "changes the environment");
        }
        DANGEROUS.put("subprocess.", program);
        DANGEROUS.put("pty.", program);
        DANGEROUS.put("commands.", shell);
        DANGEROUS.put("asyncio.subprocess.", program);
        DANGEROUS.put("builtins.eval", python);
        DANGEROUS.put("builtins.exec", python);
        DANGEROUS.put("builtins.compile", "compiles Python code given as a string");
        DANGEROUS.put("builtins.__import__", "imports any module (running its code)");
        DANGEROUS.put("builtins.getattr", "looks up any attribute (a way to reach any function)");
        DANGEROUS.put("builtins.setattr", "changes any attribute of a module or object");
        DANGEROUS.put("builtins.delattr", "deletes any attribute of a module or object");
        DANGEROUS.put("builtins.open", "opens a file for reading or writing");
        DANGEROUS.put("builtins.breakpoint", "starts a debugger");
        DANGEROUS.put("builtins.input", "waits for input");
        DANGEROUS.put("builtins.globals", "gives access to a module's globals");
        DANGEROUS.put("builtins.vars", "gives access to an object's attributes");
        DANGEROUS.put("builtins.execfile", "runs a Python file"); // Python 2's, as __builtin__.execfile
        DANGEROUS.put("builtins.file", "opens a file for reading or writing");
        DANGEROUS.put("io.open", "opens a file for reading or writing");
        DANGEROUS.put("codecs.open", "opens a file for reading or writing");
        DANGEROUS.put("timeit.", python + ", timing it");
        DANGEROUS.put("cProfile.run", python + ", under the profiler");
        DANGEROUS.put("cProfile.runctx", python + ", under the profiler");
        DANGEROUS.put("profile.run", python + ", under the profiler");
        DANGEROUS.put("profile.runctx", python + ", under the profiler");
        DANGEROUS.put("pdb.run", python + ", under the debugger");
        DANGEROUS.put("pdb.runeval", python + ", under the debugger");
        DANGEROUS.put("pdb.runctx", python + ", under the debugger");
        DANGEROUS.put("bdb.", python + ", under a debugger");
        DANGEROUS.put("trace.", python + ", under the tracer");
        DANGEROUS.put("code.", python + ", in an interactive interpreter");
        DANGEROUS.put("codeop.", "compiles Python code given as a string");
        DANGEROUS.put("pydoc.pipepager", "pipes text into a shell command");
        DANGEROUS.put("pydoc.tempfilepager", "runs a shell command on a temporary file");
        DANGEROUS.put("pydoc.", "may run a pager command or import modules");
        DANGEROUS.put("runpy.", "runs a Python module or file");
        DANGEROUS.put("importlib.", "imports any module (running its code)");
        DANGEROUS.put("imp.", "imports any module (running its code)");
        DANGEROUS.put("pkgutil.", "imports modules (running their code)");
        DANGEROUS.put("sys.", "changes the interpreter's state");
        DANGEROUS.put("shutil.", "copies, moves or deletes files");
        DANGEROUS.put("tempfile.", "creates files");
        DANGEROUS.put("pathlib.Path.write_text", "writes a file");
        DANGEROUS.put("socket.", "opens a network connection");
        DANGEROUS.put("http.", "makes network requests");
        DANGEROUS.put("urllib.", "makes network requests");
        DANGEROUS.put("ftplib.", "makes network requests");
        DANGEROUS.put("smtplib.", "sends mail");
        DANGEROUS.put("webbrowser.", "opens a URL in a browser");
        DANGEROUS.put("ctypes.", "calls native code");
        DANGEROUS.put("_ctypes.", "calls native code");
        DANGEROUS.put("multiprocessing.", "starts processes");
        DANGEROUS.put("threading.", "starts threads");
        DANGEROUS.put("signal.", "changes signal handling");
        DANGEROUS.put("pickle.", "unpickles or pickles more data (a nested pickle that is not checked)");
        DANGEROUS.put("_pickle.", "unpickles or pickles more data (a nested pickle that is not checked)");
        DANGEROUS.put("cPickle.", "unpickles more data (a nested pickle that is not checked)");
        DANGEROUS.put("marshal.", "loads compiled Python code");
        DANGEROUS.put("types.CodeType", "builds Python code");
        DANGEROUS.put("types.FunctionType", "builds a Python function from code");
        DANGEROUS.put("operator.attrgetter", "looks up any attribute (a way to reach any function)");
        DANGEROUS.put("operator.methodcaller", "calls any method");
        DANGEROUS.put("operator.call", "calls any function");
        DANGEROUS.put("functools.reduce", "calls any function repeatedly");
        DANGEROUS.put("numpy.load", "loads a file, pickles included");
        DANGEROUS.put("numpy.testing._private.utils.runstring", python);
        DANGEROUS.put("numpy.f2py.", "compiles and runs code");
        DANGEROUS.put("torch.load", "loads another file with torch.load (and runs its pickle)");
        DANGEROUS.put("torch.jit.load", "loads a TorchScript file");
        DANGEROUS.put("torch.hub.", "downloads and runs code");
        DANGEROUS.put("torch.ops.", "calls a native torch operator");
        DANGEROUS.put("torch._C.", "calls torch's native internals");
        DANGEROUS.put("torch.serialization.load", "loads another file with torch.load (and runs its pickle)");
        DANGEROUS.put("torch.utils.cpp_extension.", "compiles and loads native code");
        DANGEROUS.put("dill.", "unpickles code");
        DANGEROUS.put("joblib.", "loads pickles");
        DANGEROUS.put("yaml.", "parses YAML (some loaders build any object)");
        DANGEROUS.put("jinja2.", "renders templates (code)");
        DANGEROUS.put("bdb.Bdb.run", python);
        DANGEROUS.put("distutils.", "runs build commands");
        DANGEROUS.put("setuptools.", "runs build commands");
        DANGEROUS.put("pip.", "installs packages");
        DANGEROUS.put("logging.config.", "configures logging from a file or socket");
        DANGEROUS.put("glob.", "lists files");
        DANGEROUS.put("fileinput.", "reads files");
        DANGEROUS.put("linecache.", "reads files");
        DANGEROUS.put("zipimport.", "imports code from an archive");
        DANGEROUS.put("ensurepip.", "installs packages");
        DANGEROUS.put("venv.", "creates environments and runs programs");
        DANGEROUS.put("idlelib.", "runs Python code");
        DANGEROUS.put("lib2to3.", "runs code transformations on files");
        DANGEROUS.put("sqlite3.", "opens a database file");
        DANGEROUS.put("uuid._popen", program);
        DANGEROUS.put("platform.popen", shell);
        DANGEROUS.put("platform._syscmd_file", program);
    }

    /**
     * The warnings for a pickle naming these globals: one for the dangerous calls (each with what
     * it does), one for the unknown ones, one for data types torch's {@code weights_only} refuses.
     */
    public static java.util.List<String> warnings(java.util.Collection<String> globals) {
        java.util.List<String> dangerous = new java.util.ArrayList<>();
        java.util.List<String> unknown = new java.util.ArrayList<>();
        java.util.List<String> data = new java.util.ArrayList<>();
        for (String g : globals) {
            Verdict v = classify(g);
            switch (v.kind()) {
                case DANGEROUS -> dangerous.add(g + " (" + v.effect() + ")");
                case UNKNOWN -> unknown.add(g);
                case DATA -> data.add(g);
                case TORCH_SAFE -> { }
            }
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        if (!dangerous.isEmpty()) {
            out.add("the pickle calls " + list(dangerous) + ": torch.load(weights_only=False) would run "
                    + (dangerous.size() == 1 ? "it. Weightbench never runs it; it is listed as an inert object" : "them. Weightbench never runs them; they are listed as inert objects"));
        }
        if (!unknown.isEmpty()) {
            out.add("the pickle names " + (unknown.size() == 1 ? unknown.get(0) + ", which is not a known-safe reconstructor"
                    : unknown.size() + " globals that are not known-safe reconstructors (" + list(unknown) + ")")
                    + ": torch.load(weights_only=False) would import and call " + (unknown.size() == 1 ? "it" : "them")
                    + " (what that does is unknown); torch.load(weights_only=True) refuses the file");
        }
        if (!data.isEmpty()) {
            out.add("the pickle names " + list(data) + ": data types that run no code, but torch 1.13's torch.load(weights_only=True)"
                    + " refuses them");
        }
        return out;
    }

    private static String list(java.util.List<String> names) {
        if (names.size() <= 12) return String.join(", ", names);
        return String.join(", ", names.subList(0, 12)) + " and " + (names.size() - 12) + " more";
    }

    /** The verdict on one global, named {@code module.name}. */
    public static Verdict classify(String global) {
        // Python 2's names for the same modules (a Python 2 pickle's builtins are Python 3's)
        String qualified = global.startsWith("__builtin__.") ? "builtins." + global.substring(12)
                : global.startsWith("copy_reg.") ? "copyreg." + global.substring(9) : global;
        if (TORCH_WEIGHTS_ONLY.contains(global)) return new Verdict(global, Kind.TORCH_SAFE, "");
        String effect = dangerousEffect(qualified);
        if (effect != null) return new Verdict(global, Kind.DANGEROUS, effect);
        if (DATA.contains(qualified)) return new Verdict(global, Kind.DATA, "");
        return new Verdict(global, Kind.UNKNOWN, "");
    }

    private static String dangerousEffect(String qualified) {
        String best = null;
        String effect = null;
        for (Map.Entry<String, String> e : DANGEROUS.entrySet()) {
            String k = e.getKey();
            boolean match = k.endsWith(".") ? qualified.startsWith(k) : qualified.equals(k) || qualified.startsWith(k + ".");
            if (match && (best == null || k.length() > best.length())) {
                best = k;
                effect = e.getValue();
            }
        }
        return effect;
    }
}
