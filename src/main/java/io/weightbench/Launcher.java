package io.weightbench;

import io.weightbench.cli.WeightbenchCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The jar's entry point: no arguments, or only file names, opens the workbench window (with those
 * files); a command runs headless. It does not extend {@code Application}, so JavaFX stays on the
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
        return Arrays.stream(args).allMatch(a -> !a.startsWith("-") && Files.exists(Path.of(a)));
    }
}
