package io.weightbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.model.Catalog;
import io.weightbench.model.CatalogModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code catalog list}: the built-in architectures usable as {@code --model catalog:<name>}, and timm's pretrained tags. */
@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = {"List the built-in model catalog: every timm and torchvision architecture.",
                "Each is usable as the model side of compare, suggest, identify and the workbench as catalog:timm/<name> or"
                        + " catalog:torchvision/<name> (keys, shapes and dtypes of a freshly built model; no weights), with timm's options"
                        + " that change the state_dict as a query: catalog:timm/convnext_tiny?num_classes=10&in_chans=1&features_only=true"
                        + " (num_classes=0: no head). A bare catalog:resnet50 is torchvision's when it has one, else timm's."})
public final class CatalogCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "list|show", description = "list (the default): the architectures;"
            + " show NAME: one architecture's state_dict (each key's shape, dtype, and whether it is a parameter or a buffer).")
    String action = "list";

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILTER|NAME",
            description = "list: only names matching this glob, as timm.list_models('resnet*') (over the name without timm/ or torchvision/);"
                    + " show: a catalog name with options, e.g. timm/convnext_tiny?num_classes=10.")
    String filter;

    @Option(names = "--pretrained", paramLabel = "NAME", description = "List timm's pretrained tags instead, as timm.list_pretrained:"
            + " an architecture's tags (convnext_tiny), or a glob over arch.tag (*in22k*), with their pretrained_cfg"
            + " (num_classes, input size, mean, std, licence, hub id).")
    String pretrained;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (action.equals("show")) {
            if (filter == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "show needs a catalog name");
            show(out);
        } else if (!action.equals("list")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown action '" + action + "' (list or show)");
        } else if (pretrained != null) {
            listPretrained(out);
        } else {
            listModels(out);
        }
        out.flush();
        return WeightbenchCommand.OK;
    }

    private void listModels(PrintWriter out) throws IOException {
        Pattern p = filter == null ? null : Catalog.glob(filter);
        List<CatalogModel> shown = new ArrayList<>();
        for (CatalogModel m : Catalog.models()) if (p == null || p.matcher(m.shortName()).matches()) shown.add(m);
        if (json) {
            JsonWriter g = new JsonWriter(out);
            g.writeStartObject();
            g.writeArrayFieldStart("models");
            for (CatalogModel m : shown) {
                g.writeStartObject();
                g.writeStringField("name", m.name());
                g.writeStringField("family", m.family());
                g.writeNumberField("tensors", m.tensors());
                g.writeNumberField("values", m.values());
                if (m.numClasses().isPresent()) g.writeNumberField("num_classes", m.numClasses().get());
                if (!m.inputSize().isEmpty()) {
                    g.writeArrayFieldStart("input_size");
                    for (int d : m.inputSize()) g.writeNumber(d);
                    g.writeEndArray();
                }
                g.writeArrayFieldStart("options");
                for (String o : options(m)) g.writeString(o);
                g.writeEndArray();
                g.writeNumberField("pretrained", m.pretrainedCount());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            out.println();
            return;
        }
        for (CatalogModel m : shown) {
            out.printf("catalog:%-46s %5d tensors %,15d values  %-18s %s%n", m.name(), m.tensors(), m.values(), m.family(),
                    String.join(",", options(m)));
        }
        out.printf("%d architectures%n", shown.size());
    }

    private void show(PrintWriter out) throws IOException {
        String name = filter.startsWith(io.weightbench.model.ModelSpec.CATALOG_PREFIX) ? filter.substring(io.weightbench.model.ModelSpec.CATALOG_PREFIX.length()) : filter;
        io.weightbench.model.ModelSpec model = Catalog.model(name); // checks the name and options, one line if wrong
        CatalogModel m = Catalog.find(name.contains("?") ? name.substring(0, name.indexOf('?')) : name).orElseThrow();
        io.weightbench.model.CatalogOptions o = io.weightbench.model.CatalogOptions.parse(name.contains("?") ? name.substring(name.indexOf('?') + 1) : "");
        List<CatalogModel.Tensor> tensors = m.spec(o);
        if (json) {
            JsonWriter g = new JsonWriter(out);
            g.writeStartObject();
            g.writeStringField("model", model.source());
            g.writeStringField("family", m.family());
            g.writeArrayFieldStart("tensors");
            for (CatalogModel.Tensor t : tensors) {
                g.writeStartObject();
                g.writeStringField("key", t.spec().key());
                g.writeArrayFieldStart("shape");
                for (long d : t.spec().shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeStringField("dtype", t.spec().dtype().torchName());
                g.writeStringField("kind", t.buffer() ? "buffer" : "parameter");
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("non_persistent_buffers");
            for (String b : m.nonPersistentBuffers()) g.writeString(b);
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            out.println();
            return;
        }
        out.println("model: " + model.source() + " (" + m.family() + ")");
        for (CatalogModel.Tensor t : tensors) {
            out.printf("%-60s %-20s %-9s %s%n", t.spec().key(), t.spec().shape(), t.spec().dtype().torchName(), t.buffer() ? "buffer" : "parameter");
        }
        out.printf("%d tensors%s%n", tensors.size(), m.nonPersistentBuffers().isEmpty() ? ""
                : "; buffers not in the state_dict (persistent=False): " + String.join(", ", m.nonPersistentBuffers()));
    }

    static List<String> options(CatalogModel m) {
        List<String> out = new ArrayList<>();
        if (m.allowsNumClasses()) out.add("num_classes");
        if (m.allowsInChans()) out.add("in_chans");
        if (m.allowsFeaturesOnly()) out.add("features_only");
        return out;
    }

    private void listPretrained(PrintWriter out) throws IOException {
        List<CatalogModel.Pretrained> tags = Catalog.pretrained(pretrained);
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode root = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            com.fasterxml.jackson.databind.node.ArrayNode a = root.putArray("pretrained");
            for (CatalogModel.Pretrained t : tags) a.addObject().put("name", t.name()).setAll((com.fasterxml.jackson.databind.node.ObjectNode) t.cfg());
            out.println(root);
            return;
        }
        for (CatalogModel.Pretrained t : tags) {
            JsonNode c = t.cfg();
            out.printf("%-52s %6s classes  %-11s %-22s %s%n", t.name(), c.path("num_classes").asText("?"),
                    c.has("input_size") ? join(c.get("input_size")) : "", c.path("license").asText(""), c.path("hf_hub_id").asText(""));
        }
        out.printf("%d pretrained tags%n", tags.size());
    }

    private static String join(JsonNode dims) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : dims) out.add(d.asText());
        return String.join("x", out);
    }

}
