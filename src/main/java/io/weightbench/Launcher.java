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
            io.weightbench.app.WorkbenchApp.launchApp(args);
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
