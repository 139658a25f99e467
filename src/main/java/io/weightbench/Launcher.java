package io.weightbench;

import io.weightbench.cli.WeightbenchCommand;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The jar's entry point: no arguments, only file names, or {@code --model M --checkpoint C} opens
 * the workbench window (with those files); a command runs headless. It does not extend {@code Application}, so JavaFX stays on the
 * class path and the CLI never starts it.
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) {
        warmLambdas();
        if (opensWorkbench(args)) {
            String noDisplay = missingDisplay();
            if (noDisplay != null) {
                System.err.println("weightbench: cannot open the workbench: " + noDisplay
                        + "; the commands work without one (weightbench inspect FILE, weightbench --help)");
                System.exit(2);
            }
            try {
                io.weightbench.app.WorkbenchApp.launchApp(args);
            } catch (Throwable e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) root = root.getCause();
                String why = root.getMessage() == null ? root.toString() : root.getMessage();
                System.err.println("weightbench: cannot open the workbench: " + why.lines().findFirst().orElse(why)
                        + (why.contains("GTK") ? " (install GTK 3, e.g. apt-get install libgtk-3-0)" : "")
                        + "; the commands work without it (weightbench --help)");
                System.exit(2);
            }
            return;
        }
        System.exit(WeightbenchCommand.run(args));
    }

    /**
     * Links a first lambda on a background thread: the first lambda of a run starts up
     * java.lang.invoke (several milliseconds even from the class-data archive), which a short
     * command would otherwise pay on its main thread in the middle of reading a checkpoint. An
     * anonymous class, not a lambda, so that this call itself links nothing.
     */
    private static void warmLambdas() {
        Thread t = new Thread(new Runnable() {
            @Override public void run() {
                java.util.function.Supplier<String> s = () -> "linked";
                java.util.Optional.of(s.get()).map(String::length).ifPresent(n -> { });
            }
        }, "weightbench-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Why no window can open here (Linux without an X or Wayland display), or null when one may. */
    static String missingDisplay() {
        if (Boolean.getBoolean("java.awt.headless") && System.getProperty("glass.platform") == null) return "the JVM runs headless (java.awt.headless=true)";
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux") && !os.contains("bsd")) return null;
        if (System.getProperty("glass.platform") != null) return null; // Monocle (headless tests) or another explicit platform
        boolean x = System.getenv("DISPLAY") != null && !System.getenv("DISPLAY").isBlank();
        boolean wayland = System.getenv("WAYLAND_DISPLAY") != null && !System.getenv("WAYLAND_DISPLAY").isBlank();
        return x || wayland ? null : "there is no display (DISPLAY is not set)";
    }

    static boolean opensWorkbench(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--model") || a.equals("--checkpoint")) && i + 1 < args.length) {
                i++;
            } else if (a.startsWith("--model=") || a.startsWith("--checkpoint=")) {
                continue;
            } else if (a.startsWith("-") || !Files.exists(Path.of(a))) {
                return false;
            }
        }
        return true;
    }
}
