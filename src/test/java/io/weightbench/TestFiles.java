package io.weightbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the tests find their inputs. */
public final class TestFiles {

    private TestFiles() {}

    /**
     * Set by {@code .ci/run}: every input under {@code ../shared} and every Python peer (Debian's
     * python3-torch, h5py, onnx, msgpack) must be there, so a missing one fails the run instead of
     * skipping tests. Elsewhere (a fork's CI, a clone without {@code ../shared}) they skip visibly,
     * each with its reason.
     */
    public static final String REQUIRE_ALL = "WEIGHTBENCH_REQUIRE_ALL";

    static boolean requireAll() {
        return "1".equals(System.getenv(REQUIRE_ALL));
    }

    /** Skips the test with {@code reason} when {@code present} is false, or fails it when {@link #REQUIRE_ALL} is set. */
    public static void require(boolean present, String reason) {
        if (!present && requireAll()) throw new IllegalStateException(reason + " (" + REQUIRE_ALL + "=1: .ci/run needs it)");
        Assumptions.assumeTrue(present, reason);
    }

    /**
     * A test factory's tests or, when what they need is absent (an assumption failed while making
     * them), one test skipped with the reason: a factory that aborts before returning would be
     * reported as no tests at all, not as skipped.
     */
    public static java.util.stream.Stream<org.junit.jupiter.api.DynamicTest> visibly(String what,
            java.util.concurrent.Callable<java.util.stream.Stream<org.junit.jupiter.api.DynamicTest>> tests) throws Exception {
        try {
            return tests.call();
        } catch (org.opentest4j.TestAbortedException e) {
            return java.util.stream.Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest(what, () -> {
                throw e;
            }));
        }
    }

    /** {@code ../shared/<name>}, required as {@link #require} says. */
    private static Path shared(String name, String marker, String what) {
        Path p = Path.of("..", "shared", name).toAbsolutePath().normalize();
        require(Files.exists(p.resolve(marker)), what + " not found at " + p);
        return p;
    }

    /** {@code ../shared/realworld}: skipped (with a reason) when absent, required under {@link #REQUIRE_ALL}. */
    public static Path realworld() {
        return shared("realworld", "MANIFEST.tsv", "the real-world corpus");
    }

    /**
     * {@code ../shared/crossframework}: files written by TensorFlow, Keras, ONNX exporters, ggml,
     * tf.js, Paddle and MXNet. Skipped (with a reason) when absent, required under {@link #REQUIRE_ALL}.
     */
    public static Path crossframework() {
        return shared("crossframework", "MANIFEST.tsv", "the cross-framework corpus");
    }

    /** {@code ../shared/vendor/timm}: timm's source, run with Debian's torch. */
    public static Path timm() {
        return shared("vendor/timm", "timm/__init__.py", "the vendored timm source");
    }

    /** Runs a committed script with Debian's python3 (numpy, h5py, onnx as installed), skipping when the module is missing. */
    public static String runPythonScript(String requiredModules, String script, String... args) throws IOException, InterruptedException {
        require(pythonHas(requiredModules), "Debian python3 modules missing: " + requiredModules);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(SYSTEM_PYTHON, script));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThat(p.waitFor()).as(script + " failed:\n" + log).isZero();
        return log;
    }

    private static final java.util.Map<String, Boolean> MODULES = new java.util.concurrent.ConcurrentHashMap<>();

    /** True if Debian's python3 imports every module named (comma-separated), e.g. "numpy,h5py". */
    public static boolean pythonHas(String modules) {
        return MODULES.computeIfAbsent(modules, m -> {
            try {
                Process p = new ProcessBuilder(SYSTEM_PYTHON, "-c", "import " + m).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor() == 0;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    /** Debian's system python3, which has python3-torch (the pyenv one first on PATH does not). */
    public static final String SYSTEM_PYTHON = "/usr/bin/python3";

    private static Boolean torch;

    /** True if Debian's python3-torch is importable. */
    public static synchronized boolean torchAvailable() {
        if (torch == null) {
            try {
                Process p = new ProcessBuilder(SYSTEM_PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                torch = p.waitFor() == 0;
            } catch (java.io.IOException | InterruptedException e) {
                torch = false;
            }
        }
        return torch;
    }

    /**
     * Runs one of the committed scripts with Debian's python3 and torch (skipping the test when
     * torch is not installed) and returns what it printed; a failing script fails the test.
     */
    public static String runTorchScript(String script, String... args) throws IOException, InterruptedException {
        require(torchAvailable(), "Debian python3-torch is not installed");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(SYSTEM_PYTHON, script));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThat(p.waitFor()).as(script + " failed:\n" + log).isZero();
        return log;
    }

    /** The committed fixtures made by real torch (src/test/resources/fixtures). */
    public static Path fixtures() {
        return Path.of("src", "test", "resources", "fixtures").toAbsolutePath();
    }
}
