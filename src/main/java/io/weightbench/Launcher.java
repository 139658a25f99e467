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
        if (opensWorkbench(args)) {
            io.weightbench.app.WorkbenchApp.launchApp(args);
            return;
        }
        System.exit(WeightbenchCommand.run(args));
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
