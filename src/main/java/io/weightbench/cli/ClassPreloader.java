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
 * Loads every class the command line can need (Weightbench's own but the GUI's, picocli's and
 * Jackson's), then lists three tiny bundled checkpoints (torch zip, legacy, safetensors) the
 * way {@code inspect --json} does and reads a rules file, so that a class-data-sharing archive dumped at the exit of this
 * run ({@code bin/weightbench} does that once) covers every format and also holds the lambda and
 * string-concatenation classes those paths create at first use — not just what the first command
 * happened to open.
 */
public final class ClassPreloader {

    static final List<String> PREFIXES = List.of("io/weightbench/", "picocli/", "com/fasterxml/jackson/core/", "com/fasterxml/jackson/databind/");

    static final List<String> WARM_UP = List.of("dataparallel.pth", "protocol4_legacy.pt", "model.safetensors");

    private ClassPreloader() {}

    /** Runs {@code inspect --json} (and the table) on the bundled tiny checkpoints, output discarded. */
    static int warmUp() throws IOException {
        Path dir = Files.createTempDirectory("weightbench-warmup");
        int listed = 0;
        try {
            for (String name : WARM_UP) {
                Path f = dir.resolve(name);
                try (InputStream in = ClassPreloader.class.getResourceAsStream("warmup/" + name)) {
                    if (in == null) continue;
                    Files.copy(in, f);
                }
                PrintWriter sink = new PrintWriter(Writer.nullWriter());
                if (WeightbenchCommand.run(sink, sink, "inspect", "--json", f.toString()) == WeightbenchCommand.OK) listed++;
                WeightbenchCommand.run(sink, sink, "inspect", f.toString());
                Files.delete(f);
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
