package io.weightbench.cli;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.ObjectEntry;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.stats.Histogram;
import io.weightbench.stats.TensorReport;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteCounts;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.NoData;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.Quantization;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inspect FILE}: lists a checkpoint's tensors (key, dtype, shape) without loading them. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"List a checkpoint's tensors, objects, metadata and weights entry.",
                "Reads metadata only; --hash and --stats read the tensors' bytes (streamed, in bounded memory). Pickles are interpreted, never executed.",
                "Formats, recognised by content: torch zip (1.5-2.x) and legacy (0.2-1.x), TorchScript, whole pickled modules, safetensors,"
                        + " sharded *.index.json, .npy, .npz; TensorFlow checkpoints (the .index file, the prefix, or a SavedModel folder),"
                        + " Keras .h5 and .keras, ONNX, GGUF, TF.js (model.json or its folder), Flax msgpack, Paddle .pdparams, MXNet .params."})
public final class InspectCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The checkpoint: a file, a folder (SavedModel, TF.js) or a TensorFlow checkpoint prefix.")
    Path file;

    @Option(names = "--json", description = "Write one JSON object to stdout (DESIGN.md's contract).")
    boolean json;

    @Option(names = "--hash", description = "Add each tensor's canonical SHA-256 (row-major, little-endian bytes).")
    boolean hash;

    @Option(names = "--file-hash", description = "Add the SHA-256 of the file's bytes (as sha256sum prints it): what timm and"
            + " torch.hub check a download's hash_prefix against.")
    boolean fileHash;

    @Option(names = "--expect-hash", paramLabel = "PREFIX", description = "Exit 1 unless the file's SHA-256 starts with PREFIX"
            + " (hex digits, any case; torch.hub's file-name habit resnet50-0676ba61.pth gives 0676ba61). Implies --file-hash.")
    String expectHash;

    @Option(names = "--stats", description = "Add min, max, mean, std, L2 norm (finite values), and NaN / inf / zero /"
            + " beyond-float16 counts per tensor; quantized tensors are dequantized, complex ones summarised by magnitude.")
    boolean stats;

    @Option(names = "--bins", paramLabel = "N", description = "With --stats: a histogram of each tensor's finite values in N equal"
            + " bins over its range (binned as torch.histc), in the JSON; 0 for none (default: ${DEFAULT-VALUE}).")
    int bins = io.weightbench.stats.Histogram.DEFAULT_BINS;

    @Option(names = "--log-histogram", description = "With --stats: bin log10|value| of the finite non-zero values instead"
            + " (how magnitudes spread over decades); zeros are counted apart.")
    boolean logHistogram;

    @Option(names = "--progress", description = "With --stats or --hash: print progress to stderr twice a second (in logical"
            + " bytes: a view larger than its storage counts every byte it stands for).")
    boolean progress;

    /** What hashing has done, in logical bytes (a stride-0 view's work is its logical size). */
    private Progress hashed = Progress.none();

    @Option(names = "--timings", description = "Print to stderr how long opening and listing took, in milliseconds"
            + " (inside the JVM, without its start-up).")
    boolean timings;

    /** The file's SHA-256 when asked for (--file-hash, --expect-hash), else null. */
    private String fileSha256;

    @Override
    public Integer call() throws IOException {
        String expected = null;
        if (expectHash != null) {
            try {
                expected = io.weightbench.checkpoint.FileHash.prefix(expectHash);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--expect-hash: " + e.getMessage());
            }
        }
        long start = System.nanoTime();
        try (Checkpoint c = checkpointOptions.open(file)) {
            long openedAt = System.nanoTime();
            if (fileHash || expected != null) fileSha256 = io.weightbench.checkpoint.FileHash.sha256(file);
            if (stats) computeAllStats(c.tensors());
            if (hash) hashed = new Progress(c.tensors().stream().filter(t -> !NoData.holds(t.data())).mapToLong(t -> t.data().nbytes()).sum());
            try (ProgressPrinter ignored = new ProgressPrinter(hashed, spec.commandLine().getErr(), "hash", progress && hash)) {
                if (json) {
                    writeJson(c, out());
                } else {
                    writeTable(c, out());
                }
            }
            long done = System.nanoTime();
            if (timings) {
                spec.commandLine().getErr().printf("timings: open %.1f ms, list %.1f ms, total %.1f ms, %d tensors%n",
                        (openedAt - start) / 1e6, (done - openedAt) / 1e6, (done - start) / 1e6, c.tensors().size());
                spec.commandLine().getErr().flush();
            }
        }
        if (expected != null && !fileSha256.startsWith(expected)) {
            spec.commandLine().getErr().println("weightbench: " + file + ": sha256 " + fileSha256 + " does not start with " + expected);
            spec.commandLine().getErr().flush();
            return WeightbenchCommand.CHECK_FAILED;
        }
        return WeightbenchCommand.OK;
    }

    private void writeJson(Checkpoint c, PrintWriter out) throws IOException {
        JsonWriter g = new JsonWriter(out);
        g.writeStartObject();
        g.writeStringField("file", c.file().toString());
        g.writeStringField("format", c.format());
        g.writeArrayFieldStart("inputs");
        for (java.nio.file.Path p : c.inputs()) g.writeString(p.toString());
        g.writeEndArray();
        if (fileSha256 != null) g.writeStringField("file_sha256", fileSha256);
        g.writeStringField("weights_entry", c.weightsEntry());
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> m : c.metadata().entrySet()) g.writeStringField(m.getKey(), m.getValue());
        g.writeEndObject();
        g.writeArrayFieldStart("tensors");
        for (TensorEntry t : c.tensors()) {
            TensorData d = t.data();
            g.writeStartObject();
            g.writeStringField("key", t.key());
            g.writeStringField("dtype", d.dtype().torchName());
            g.writeArrayFieldStart("shape");
            for (long s : d.shape()) g.writeNumber(s);
            g.writeEndArray();
            if (d.quantization().isPresent()) writeQuantization(g, d.quantization().get());
            boolean noData = NoData.holds(d);
            if (noData) g.writeStringField("device", d.storage().location());
            if (!t.info().isEmpty()) {
                g.writeObjectFieldStart("info");
                for (Map.Entry<String, String> i : t.info().entrySet()) g.writeStringField(i.getKey(), i.getValue());
                g.writeEndObject();
            }
            if (hash) {
                if (noData) g.writeNullField("sha256");
                else g.writeStringField("sha256", hashOf(t));
            }
            if (stats) {
                if (noData) g.writeNullField("stats");
                else writeStats(g, t);
            }
            g.writeEndObject();
            if (hash || stats) g.flush(); // reading tensors takes a while: show each as it is done
        }
        g.writeEndArray();
        g.writeArrayFieldStart("objects");
        for (ObjectEntry o : c.objects()) {
            g.writeStartObject();
            g.writeStringField("key", o.key());
            g.writeStringField("type", o.type());
            if (!o.summary().isEmpty()) g.writeStringField("summary", o.summary());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("warnings");
        for (String w : c.warnings()) g.writeString(w);
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
        out.write('\n');
        out.flush();
    }

    private static void writeQuantization(JsonWriter g, Quantization q) throws IOException {
        g.writeObjectFieldStart("quantization");
        g.writeStringField("scheme", q.scheme());
        if (q.isPerChannel()) {
            g.writeNumberField("axis", q.axis());
        } else {
            g.writeNumberField("scale", q.scale());
            g.writeNumberField("zero_point", q.zeroPoint());
        }
        g.writeEndObject();
    }

    private String hashOf(TensorEntry t) throws IOException {
        try {
            return CanonicalBytes.sha256(t.data(), hashed);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read tensor " + t.key() + ": " + e.getMessage(), e);
        }
    }

    /** Statistics (and histograms) of every tensor, computed on all cores before the listing is written. */
    private final java.util.Map<TensorEntry, TensorReport> computed = new java.util.IdentityHashMap<>();

    private void computeAllStats(List<TensorEntry> tensors) throws IOException {
        if (bins < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bins must be 0 or more, not " + bins);
        Progress p = new Progress(0);
        try (ProgressPrinter ignored = new ProgressPrinter(p, spec.commandLine().getErr(), "stats", progress)) {
            List<TensorReport> all = TensorReport.of(tensors, json ? bins : 0,
                    logHistogram ? Histogram.Scale.LOG : Histogram.Scale.LINEAR, p);
            for (int i = 0; i < tensors.size(); i++) computed.put(tensors.get(i), all.get(i));
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private TensorStats statsOf(TensorEntry t) {
        return computed.get(t).stats();
    }

    private void writeStats(JsonWriter g, TensorEntry t) throws IOException {
        TensorStats s = statsOf(t);
        g.writeObjectFieldStart("stats");
        number(g, "min", s.min());
        number(g, "max", s.max());
        number(g, "mean", s.mean());
        number(g, "std", s.std());
        g.writeNumberField("nan", s.nan());
        g.writeNumberField("inf", s.inf());
        g.writeNumberField("zeros", s.zeros());
        number(g, "l2", s.l2());
        g.writeNumberField("pos_inf", s.posInf());
        g.writeNumberField("neg_inf", s.negInf());
        g.writeNumberField("outside_float16", s.outsideFloat16());
        Histogram h = computed.get(t).histogram();
        if (h != null) writeHistogram(g, h);
        g.writeEndObject();
    }

    /** {@code "histogram": {"scale", "lo", "hi", "counts", ["zeros"]}}; for the log scale lo/hi are log10 magnitudes. */
    static void writeHistogram(JsonWriter g, Histogram h) throws IOException {
        g.writeObjectFieldStart("histogram");
        g.writeStringField("scale", h.scale() == Histogram.Scale.LOG ? "log10_abs" : "linear");
        g.writeNumberField("lo", h.lo());
        g.writeNumberField("hi", h.hi());
        g.writeArrayFieldStart("counts");
        for (long c : h.counts()) g.writeNumber(c);
        g.writeEndArray();
        if (h.scale() == Histogram.Scale.LOG) g.writeNumberField("zeros", h.zeros());
        g.writeEndObject();
    }

    private static void number(JsonWriter g, String name, double v) throws IOException {
        if (Double.isNaN(v)) {
            g.writeNullField(name);
        } else if (Double.isInfinite(v)) {
            g.writeStringField(name, v > 0 ? "inf" : "-inf");
        } else {
            g.writeNumberField(name, v);
        }
    }

    private void writeTable(Checkpoint c, PrintWriter out) throws IOException {
        out.println("file:          " + c.file());
        out.println("format:        " + c.format());
        if (fileSha256 != null) out.println("file sha256:   " + fileSha256);
        out.println("weights entry: " + (c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry()));
        for (Map.Entry<String, String> m : c.metadata().entrySet()) out.println("  " + m.getKey() + ": " + m.getValue());
        List<TensorEntry> tensors = c.tensors();
        int keyWidth = Math.min(70, Math.max(3, tensors.stream().mapToInt(t -> t.key().length()).max().orElse(3)));
        String fmt = "%-" + keyWidth + "s  %-13s  %-20s  %12s  %10s";
        out.println();
        StringBuilder header = new StringBuilder(String.format(fmt, "key", "dtype", "shape", "elements", "size"));
        if (hash) header.append("  sha256");
        if (stats) header.append(String.format("  %12s %12s %12s %12s %6s %6s", "min", "max", "mean", "std", "nan", "inf"));
        // what the reader knows of each tensor (an ONNX op, a TensorFlow object path), last: it can be long
        boolean infos = tensors.stream().anyMatch(t -> !t.info().isEmpty());
        if (infos) header.append("  info");
        out.println(header);
        long totalBytes = 0;
        for (TensorEntry t : tensors) {
            TensorData d = t.data();
            totalBytes += d.nbytes();
            StringBuilder line = new StringBuilder(String.format(fmt, t.key(), d.dtype().torchName(),
                    Arrays.toString(d.shape()), d.numel(), ByteCounts.human(d.nbytes())));
            boolean noData = NoData.holds(d);
            if (hash) line.append("  ").append(noData ? String.format("%-64s", "(" + d.storage().location() + ": no data)") : hashOf(t));
            if (stats) {
                TensorStats s = statsOf(t);
                if (s == null) line.append("  (no data)");
                else line.append(String.format("  %12.5g %12.5g %12.5g %12.5g %6d %6d", s.min(), s.max(), s.mean(), s.std(), s.nan(), s.inf()));
            }
            if (infos && !t.info().isEmpty()) {
                StringBuilder i = new StringBuilder();
                for (Map.Entry<String, String> e : t.info().entrySet()) {
                    if (i.length() > 0) i.append(", ");
                    i.append(e.getKey()).append('=').append(e.getValue().replace('\n', ' '));
                }
                line.append("  ").append(i.length() > 160 ? i.substring(0, 160) + "..." : i);
            }
            out.println(line);
        }
        out.println();
        out.println(tensors.size() + " tensors, " + ByteCounts.human(totalBytes)
                + (c.weightsEntry().isEmpty() ? "" : "; " + c.weights().size() + " in the weights entry"));
        if (!c.objects().isEmpty()) {
            out.println();
            out.println("objects (not interpreted, never executed):");
            for (ObjectEntry o : c.objects()) {
                out.println("  " + (o.key().isEmpty() ? "(top level)" : o.key()) + ": " + o.type()
                        + (o.summary().isEmpty() ? "" : "  " + o.summary()));
            }
        }
        for (String w : c.warnings()) out.println("warning: " + w);
        out.flush();
    }
}
