package io.weightbench.verify;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs TorchScript models in real libtorch through DJL's PyTorch engine (bundled libtorch, no
 * download). Started lazily, on first use, never at application start-up; offline and without
 * usage tracking (set before the first {@link Engine} call, or start-up waits on the network);
 * its native libraries cached under the user's cache folder; every DJL call on one dedicated
 * thread; every NDArray inside an NDManager that is closed. Only float32 inputs are created from
 * Java (a bfloat16 NDArray made from Java aborts the JVM).
 */
public final class TorchRuntime {

    /** One output tensor: its name (position or dict key), shape, dtype, and values as doubles (null when not numeric). */
    public record Output(String name, long[] shape, String dtype, boolean floating, double[] values) {}

    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weightbench-libtorch");
        t.setDaemon(true);
        return t;
    });
    private static volatile Engine engine;

    private TorchRuntime() {}

    /** Where DJL keeps libtorch: {@code $XDG_CACHE_HOME/weightbench/djl} (or {@code ~/.cache/...}). */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("weightbench").resolve("djl");
    }

    /** Starts libtorch if it is not running yet (the first time: extracts it into the cache, ~5 s). */
    public static String start() throws IOException {
        return call(() -> {
            Engine e = engine();
            return e.getEngineName() + " " + e.getVersion();
        });
    }

    private static Engine engine() throws IOException {
        if (engine == null) {
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            Path cache = cacheDir();
            Files.createDirectories(cache);
            if (System.getProperty("DJL_CACHE_DIR") == null) System.setProperty("DJL_CACHE_DIR", cache.toString());
            if (System.getProperty("ENGINE_CACHE_DIR") == null) System.setProperty("ENGINE_CACHE_DIR", cache.toString());
            try {
                engine = Engine.getEngine("PyTorch");
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                throw new IOException("cannot start libtorch (DJL PyTorch engine): " + e.getMessage(), e);
            }
        }
        return engine;
    }

    /**
     * Loads a TorchScript file and runs it (eval mode, no gradients) on one float32 input.
     *
     * @return its outputs in order (a tuple or list flattened; a dict by key)
     */
    public static List<Output> run(Path script, float[] input, long[] shape) throws IOException {
        return call(() -> {
            Engine e = engine();
            try (NDManager manager = e.newBaseManager(Device.cpu()); Model model = Model.newInstance("weightbench", Device.cpu(), "PyTorch")) {
                model.load(script);
                try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
                    NDArray x = manager.create(input, new Shape(shape));
                    NDList out = p.predict(new NDList(x));
                    List<Output> result = new ArrayList<>();
                    for (int i = 0; i < out.size(); i++) {
                        NDArray a = out.get(i);
                        String name = a.getName() == null || a.getName().isEmpty() ? Integer.toString(i) : a.getName();
                        DataType t = a.getDataType();
                        boolean numeric = t.isFloating() || t.isInteger() || t == DataType.BOOLEAN;
                        double[] values = numeric ? a.toType(DataType.FLOAT64, false).toDoubleArray() : null;
                        result.add(new Output(name, a.getShape().getShape(), t.name().toLowerCase(java.util.Locale.ROOT), t.isFloating(), values));
                    }
                    return result;
                }
            } catch (ai.djl.MalformedModelException | ai.djl.translate.TranslateException ex) {
                throw new IOException(script + ": libtorch could not run it: " + ex.getMessage(), ex);
            } catch (ai.djl.engine.EngineException ex) {
                throw new IOException(script + ": libtorch: " + firstLine(ex.getMessage()), ex);
            }
        });
    }

    private static String firstLine(String s) {
        if (s == null) return "failed";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static <T> T call(Callable<T> task) throws IOException {
        try {
            return THREAD.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("libtorch: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while libtorch ran");
        }
    }
}
