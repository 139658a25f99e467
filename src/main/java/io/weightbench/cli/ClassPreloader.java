package io.weightbench.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads every class the command line can need (Weightbench's own but the GUI's, and the libraries
 * its readers use), then lists a tiny bundled checkpoint of every kind (torch zip, legacy,
 * safetensors, Keras HDF5, GGUF, TensorFlow, TF.js, Flax, MXNet) the way {@code inspect --json} does, identifies the
 * first among the catalog and reads a rules file, so that a class-data-sharing archive dumped at the exit of this
 * run ({@code bin/weightbench} does that once) covers every format and also holds the lambda and
 * string-concatenation classes those paths create at first use — not just what the first command
 * happened to open.
 */
public final class ClassPreloader {

    static final List<String> PREFIXES = List.of("io/weightbench/", "picocli/", "com/fasterxml/jackson/core/", "com/fasterxml/jackson/databind/",
            "io/jhdf/", "com/google/protobuf/", "io/airlift/compress/snappy/", "ch/qos/logback/", "org/slf4j/");

    /** A tiny checkpoint of each kind of reader: its files (beside each other) and what to open (a file or the folder, ""). */
    record Source(String open, List<String> files) {}

    static final List<Source> WARM_UP = List.of(
            new Source("dataparallel.pth", List.of("dataparallel.pth")),
            new Source("protocol4_legacy.pt", List.of("protocol4_legacy.pt")),
            new Source("model.safetensors", List.of("model.safetensors")),
            new Source("full_model.h5", List.of("keras/full_model.h5")),
            new Source("small_le.gguf", List.of("gguf/small_le.gguf")),
            new Source("model.ckpt.index", List.of("tf/many_dtypes/model.ckpt.index", "tf/many_dtypes/model.ckpt.data-00000-of-00002",
                    "tf/many_dtypes/model.ckpt.data-00001-of-00002")),
            new Source("", List.of("tfjs/sharded/model.json", "tfjs/sharded/group1-shard1of3.bin", "tfjs/sharded/group1-shard2of3.bin",
                    "tfjs/sharded/group1-shard3of3.bin", "tfjs/sharded/group2-shard1of1.bin")),
            new Source("tiny_cnn.msgpack", List.of("flax/tiny_cnn.msgpack")),
            new Source("v2_symbolic-0000.params", List.of("mxnet/v2_symbolic-0000.params", "mxnet/v2_symbolic-symbol.json")));

    private ClassPreloader() {}

    /** Runs {@code inspect --json} (and the table) on the bundled tiny checkpoints, output discarded. */
    static int warmUp() throws IOException {
        Path dir = Files.createTempDirectory("weightbench-warmup");
        int listed = 0;
        try {
            for (Source source : WARM_UP) {
                Path folder = Files.createTempDirectory(dir, "source");
                boolean complete = true;
                for (String name : source.files()) {
                    try (InputStream in = ClassPreloader.class.getResourceAsStream("warmup/" + name)) {
                        if (in == null) {
                            complete = false;
                            break;
                        }
                        Files.copy(in, folder.resolve(name.substring(name.lastIndexOf('/') + 1)));
                    }
                }
                if (complete) {
                    Path f = source.open().isEmpty() ? folder : folder.resolve(source.open());
                    PrintWriter sink = new PrintWriter(Writer.nullWriter());
                    if (WeightbenchCommand.run(sink, sink, "inspect", "--json", f.toString()) == WeightbenchCommand.OK) listed++;
                    WeightbenchCommand.run(sink, sink, "inspect", f.toString());
                    // identify's path (the catalog index, ranking, the key-by-key comparison) on the first checkpoint
                    if (source == WARM_UP.get(0)) WeightbenchCommand.run(sink, sink, "identify", "--timings", f.toString());
                }
                try (java.util.stream.Stream<Path> files = Files.list(folder)) {
                    for (Path p : files.toList()) Files.delete(p);
                }
                Files.delete(folder);
            }
            // a rules file read (apply, compare, diff): the JSON library's classes and their start-up
            Path rules = dir.resolve("rules.json");
            Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"}]}");
            try {
                io.weightbench.rules.RuleSet.read(rules);
            } finally {
                Files.delete(rules);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
        return listed;
    }

    public static void main(String[] args) throws IOException, URISyntaxException {
        Path jar = Path.of(ClassPreloader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        int loaded = 0;
        ClassLoader loader = ClassPreloader.class.getClassLoader();
        try (JarFile f = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = f.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.contains("module-info") || name.startsWith("META-INF/")
                        || name.startsWith("io/weightbench/app/") || PREFIXES.stream().noneMatch(name::startsWith)) {
                    continue;
                }
                try {
                    Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                    loaded++;
                } catch (ClassNotFoundException | LinkageError e) {
                    // optional dependencies of a library: not needed by Weightbench
                }
            }
        }
        int listed = warmUp();
        if (args.length > 0 && args[0].equals("--verbose")) System.out.println(loaded + " classes loaded, " + listed + " checkpoints listed");
    }
}
