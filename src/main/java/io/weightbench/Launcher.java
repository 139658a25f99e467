package io.weightbench;

import io.weightbench.cli.WeightbenchCommand;

/**
 * The jar's entry point: no arguments opens the workbench window, a command runs headless. It does
 * not extend {@code Application}, so JavaFX stays on the class path and the CLI never starts it.
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            io.weightbench.app.WorkbenchApp.launchApp(args);
            return;
        }
        System.exit(WeightbenchCommand.run(args));
    }
}
