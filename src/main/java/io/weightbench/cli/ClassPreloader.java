package io.weightbench.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads every class the command line can need (Weightbench's own but the GUI's, picocli's and
 * jackson-core's) without running anything, so that a class-data-sharing archive dumped at the
 * exit of this run ({@code bin/weightbench} does that once) covers every format, not just the one
 * the first command happened to open.
 */
public final class ClassPreloader {

    static final List<String> PREFIXES = List.of("io/weightbench/", "picocli/", "com/fasterxml/jackson/core/");

    private ClassPreloader() {}

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
        if (args.length > 0 && args[0].equals("--verbose")) System.out.println(loaded + " classes loaded");
    }
}
