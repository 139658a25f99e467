package io.weightbench.cli;

import io.weightbench.model.Catalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code catalog list}: the built-in architectures usable as {@code --model catalog:<name>}. */
@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = {"List the built-in model catalog.",
                "Torchvision architectures as the model side of compare, suggest and the workbench: keys, shapes and dtypes, no weights."})
public final class CatalogCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "list", description = "The only action: list (the default).")
    String action = "list";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!action.equals("list")) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown action '" + action + "' (only: list)");
        PrintWriter out = spec.commandLine().getOut();
        for (Catalog.Entry e : Catalog.entries()) {
            out.printf("catalog:%-22s %5d tensors  %,14d values%n", e.name(), e.tensors(), e.parameters());
        }
        out.flush();
        return WeightbenchCommand.OK;
    }
}
