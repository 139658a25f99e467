package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack regression suite of issue 18: every hostile file of the repo (src/test/resources/attack,
 * made by scripts/make_attack_files.py; the readers' hostile fixtures; large ones made here) through
 * the CLI's {@code inspect --hash --stats} and {@code check} (and {@code apply} for the torch zips),
 * in a separate JVM with a 256 MB heap and a time limit per run. For every run: exit 0, 1 or 2, no
 * stack trace; a refusal is one line naming the file; an attack file is refused or warned about;
 * no refused file's content is echoed; every input's sha256 is unchanged.
 */
class AttackSuiteTest {

    static final Path ATTACK = Path.of("src", "test", "resources", "attack").toAbsolutePath();
    /** Text that only the hostile files hold: it may never reach a refusal's message. */
    static final List<String> MARKERS = List.of("weightbench-attack", "SECRET-CONTENT");
    static final int SECONDS_PER_RUN = 30;

    /**
     * Runs each (command, file) listed in its first argument's file (one run a line, arguments
     * separated by U+0001) in-process, each under the time limit; one TSV line per run in the second.
     */
    public static final class Runner {
        public static void main(String[] args) throws Exception {
            List<String> runs = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
            Path out = Path.of(args[1]);
            for (String line0 : runs) {
                String[] run = line0.split("\u0001");
                StringWriter o = new StringWriter();
                StringWriter e = new StringWriter();
                int[] code = {-1};
                long t0 = System.nanoTime();
                Thread t = new Thread(() -> code[0] = WeightbenchCommand.run(new PrintWriter(o), new PrintWriter(e), run));
                t.setDaemon(true);
                t.start();
                t.join(TimeUnit.SECONDS.toMillis(SECONDS_PER_RUN));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String line = String.join("\t", String.valueOf(t.isAlive() ? -9 : code[0]), String.valueOf(ms), escape(String.join(" ", run)),
                        escape(headAndTail(o.toString())), escape(e.toString()));
                Files.writeString(out, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                if (t.isAlive()) System.exit(3); // a hang: the run cannot be stopped, the suite reports it
            }
        }

        /** A long listing's start and end (where its warnings are). */
        static String headAndTail(String s) {
            return s.length() <= 20_000 ? s : s.substring(0, 10_000) + "\n...\n" + s.substring(s.length() - 10_000);
        }

        static String escape(String s) {
            return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    record Result(int code, long millis, String args, String out, String err) {}

    private static List<Path> hostileFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ATTACK)) {
            s.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        try (Stream<Path> s = Files.walk(TestFiles.fixtures())) {
            s.filter(Files::isRegularFile).filter(p -> p.toString().toLowerCase(java.util.Locale.ROOT).contains("hostile")).sorted()
                    .forEach(files::add);
        }
        return files;
    }

    /** Large or machine-specific attacks, made here: a 110 KB .npy header in each of 40 npz entries, a shard linking out of its folder. */
    private static List<Path> generated(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path npz = dir.resolve("npz_huge_headers.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(npz))) {
            z.setLevel(0);
            String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': '" + "weightbench-attack ".repeat(5_800) + "'}\n";
            byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 40; i++) {
                z.putNextEntry(new ZipEntry("a" + i + ".npy"));
                ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                pre.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length);
                z.write(pre.array());
                z.write(h);
                z.write(new byte[4]);
                z.closeEntry();
            }
        }
        out.add(npz);
        // a torch zip whose deflated data.pkl inflates to 300 MiB of zeros (a 300 KB file)
        Path bomb = dir.resolve("zip_deflated_pickle_bomb.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(bomb))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) z.write(zeros);
            z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/version"));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        }
        out.add(bomb);
        // a sharded index whose shard is a link to a file outside its folder (a secret)
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "SECRET-CONTENT root:x:0:0\n".repeat(20));
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.createSymbolicLink(model.resolve("model-00001-of-00001.safetensors"), secret);
        Path index = model.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00001.safetensors\"}}");
        out.add(index);
        return out;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(p));
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void everyAttackEndsCleanlyInASmallHeap(@TempDir Path dir) throws Exception {
        List<Path> files = new ArrayList<>(hostileFiles());
        files.addAll(generated(dir));
        Map<Path, String> before = new HashMap<>();
        for (Path p : files) before.put(p, sha256(p));
        before.put(dir.resolve("secret.txt"), sha256(dir.resolve("secret.txt")));

        List<String> runs = new ArrayList<>();
        for (Path p : files) {
            String f = p.toString();
            runs.add(String.join("\u0001", "inspect", "--hash", "--stats", f));
            runs.add(String.join("\u0001", "check", f));
            String name = p.getFileName().toString();
            if (name.startsWith("zip_") || name.startsWith("call_") || name.startsWith("pickle_")) {
                runs.add(String.join("\u0001", "apply", f, "-o", dir.resolve("out-" + name + ".safetensors").toString()));
            }
        }
        Path log = dir.resolve("runs.tsv");
        Path runList = dir.resolve("runs.txt");
        Files.write(runList, runs, StandardCharsets.UTF_8);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-Xss1m",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Runner.class.getName(), runList.toString(), log.toString());
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("runner.log").toFile()).start();
        boolean finished = proc.waitFor((long) SECONDS_PER_RUN * runs.size() + 120, TimeUnit.SECONDS);
        if (!finished) proc.destroyForcibly();
        List<Result> results = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                results.add(new Result(Integer.parseInt(f[0]), Long.parseLong(f[1]), unescape(f[2]), unescape(f[3]), unescape(f[4])));
            }
        }
        assertThat(results).as("runs finished (runner log: %s)", Files.exists(dir.resolve("runner.log"))
                ? Files.readString(dir.resolve("runner.log")) : "").hasSize(runs.size());

        List<String> problems = new ArrayList<>();
        long slowest = 0;
        String slowestRun = "";
        for (Result r : results) {
            String file = r.args().substring(r.args().lastIndexOf(' ') + 1);
            if (r.args().startsWith("apply")) file = r.args().split(" ")[1];
            String name = Path.of(file).getFileName().toString();
            if (r.millis() > slowest) {
                slowest = r.millis();
                slowestRun = r.args();
            }
            if (r.code() == -9) problems.add("hang over " + SECONDS_PER_RUN + " s: " + r.args());
            if (r.code() < 0 || r.code() > 2) problems.add("exit " + r.code() + ": " + r.args());
            if (r.err().contains("\tat ") || r.err().contains("Exception in") || r.out().contains("\tat ")) {
                problems.add("stack trace: " + r.args() + "\n" + r.err());
            }
            if (r.code() == 2) {
                String err = r.err().strip();
                if (err.contains("\n") || !err.startsWith("weightbench: ") || !err.contains(name)) {
                    problems.add("not one line naming " + name + ": " + r.args() + " -> " + err);
                }
                for (String m : MARKERS) if (err.contains(m) || r.out().contains(m)) problems.add("echoed content: " + r.args() + " -> " + err);
            }
            // the nested-tuple pickles are attacks on the work alone: read in linear time, they are plain values
            boolean attack = file.startsWith(ATTACK.toString()) && !name.contains("_probe") && !name.startsWith("torch_safe__")
                    && !name.contains("_tuple_");
            if (attack && r.args().startsWith("inspect") && r.code() == 0 && !r.out().contains("warning")) {
                problems.add("attack opened without a warning: " + r.args());
            }
        }
        for (Map.Entry<Path, String> e : before.entrySet()) {
            if (!sha256(e.getKey()).equals(e.getValue())) problems.add("input changed: " + e.getKey());
        }
        assertThat(problems).as("%d runs over %d files; slowest %d ms (%s)", results.size(), files.size(), slowest, slowestRun).isEmpty();
        System.out.printf("attack suite: %d runs over %d files, 0 problems, slowest %d ms (%s)%n", results.size(), files.size(), slowest, slowestRun);
    }
}
