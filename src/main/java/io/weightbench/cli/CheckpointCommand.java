package io.weightbench.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command that opens checkpoints has: --entry / --verbose, and its output. */
abstract class CheckpointCommand implements Callable<Integer> {

    @Mixin
    CheckpointOptions checkpointOptions;

    @Spec
    CommandSpec spec;

    PrintWriter out() { return spec.commandLine().getOut(); }
}
