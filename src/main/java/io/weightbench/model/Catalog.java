package io.weightbench.model;

import io.weightbench.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The built-in catalog: every timm architecture ({@code timm/<name>}) and every torchvision one
 * ({@code torchvision/<name>}) as the keys, shapes and dtypes of a freshly built model (no weights),
 * made by {@code scripts/make_timm_catalog.py}; with timm's state_dict-changing options as a query,
 * {@code timm/convnext_tiny?num_classes=10&in_chans=1&features_only=true}. A bare name
 * ({@code resnet50}) is the torchvision architecture when there is one (the catalog was torchvision's
 * first), else timm's.
 */
public final class Catalog {

    public static final List<String> NAMESPACES = List.of("timm", "torchvision");

    private static final Pattern NAME = Pattern.compile("(?:(timm|torchvision)/)?([A-Za-z0-9_.\\-]+)");

    private Catalog() {}

    /** Every architecture, timm's first, each in timm's / torchvision's order of names. */
    public static Collection<CatalogModel> models() {
        return CatalogFile.get().models().values();
    }

    /**
     * A tensor's shape signature as identify indexes the catalog: {@code 64,3,7,7}, keys and dtype
     * aside (torch loads a float16 checkpoint into a float32 model: the comparison counts it matched).
     */
    public static String signature(TensorSpec t) {
        StringBuilder sb = new StringBuilder();
        for (Long d : t.shape()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(d.longValue());
        }
        return sb.toString();
    }

    /** The number of a signature among the catalog's ({@link CatalogModel#signatureIds}), or -1 when no architecture has it. */
    public static int signatureId(String signature) {
        return CatalogFile.get().signatureId(signature);
    }

    /** The architecture a catalog name (without query) stands for. */
    public static Optional<CatalogModel> find(String name) {
        java.util.regex.Matcher m = NAME.matcher(name);
        if (!m.matches()) return Optional.empty();
        var all = CatalogFile.get().models();
        if (m.group(1) != null) return Optional.ofNullable(all.get(name));
        CatalogModel tv = all.get("torchvision/" + name);
        return Optional.ofNullable(tv != null ? tv : all.get("timm/" + name));
    }

    /**
     * The model a catalog source names ({@code timm/resnet50?num_classes=10}, after
     * {@code catalog:}); a name or option the catalog does not have is a one-line error.
     */
    public static ModelSpec model(String source) throws IOException {
        Path named = Path.of(ModelSpec.CATALOG_PREFIX + source);
        int q = source.indexOf('?');
        String name = q < 0 ? source : source.substring(0, q);
        CatalogModel m = find(name).orElseThrow(() -> new CheckpointException(named, "is not in the catalog" + nearest(name)));
        CatalogOptions o;
        try {
            o = CatalogOptions.parse(q < 0 ? "" : source.substring(q + 1));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(named, e.getMessage());
        }
        check(m, o, named);
        List<TensorSpec> tensors = m.spec(o).stream().map(CatalogModel.Tensor::spec).toList();
        String query = o.query();
        return new ModelSpec(ModelSpec.CATALOG_PREFIX + m.name() + (query.isEmpty() ? "" : "?" + query), tensors);
    }

    private static void check(CatalogModel m, CatalogOptions o, Path named) throws CheckpointException {
        String refused = null;
        if (o.numClasses().isPresent() && !m.allowsNumClasses()) refused = "num_classes";
        if (o.inChans().isPresent() && !m.allowsInChans()) refused = "in_chans";
        if (o.featuresOnly() && !m.allowsFeaturesOnly()) refused = "features_only";
        if (refused == null) return;
        String why = m.unsupported().path(refused).asText("");
        throw new CheckpointException(named, m.name() + " has no " + refused + " option"
                + (m.namespace().equals("torchvision") ? " (options are timm's; torchvision architectures are listed as built)"
                : why.isEmpty() ? "" : " (timm: " + why + ")"));
    }

    /** " (did you mean: a, b, c?)": catalog names sharing the longest start with the unknown one. */
    private static String nearest(String name) {
        String bare = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
        String lower = bare.toLowerCase(Locale.ROOT);
        for (int len = lower.length(); len >= 3; len--) {
            String start = lower.substring(0, len);
            List<String> hits = new ArrayList<>();
            for (CatalogModel m : models()) if (m.shortName().startsWith(start)) hits.add(m.name());
            if (!hits.isEmpty()) {
                return " (did you mean: " + String.join(", ", hits.subList(0, Math.min(8, hits.size())))
                        + (hits.size() > 8 ? ", ... (" + hits.size() + " in all)" : "") + "?)";
            }
        }
        return " (weightbench catalog list shows every name)";
    }

    /**
     * The pretrained tags whose name matches a filter as {@code timm.list_pretrained} does: a glob
     * ({@code convnext_tiny*}, {@code *in22k*}) over {@code arch.tag}; a plain architecture name
     * lists that architecture's tags.
     */
    public static List<CatalogModel.Pretrained> pretrained(String filter) {
        List<CatalogModel.Pretrained> out = new ArrayList<>();
        boolean glob = filter.contains("*") || filter.contains("?");
        Pattern p = glob ? glob(filter) : null;
        for (CatalogModel m : models()) {
            if (!glob && !filter.isEmpty() && !m.shortName().equals(filter) && !filter.startsWith(m.shortName() + ".")) continue;
            if (m.pretrainedCount() == 0) continue;
            for (CatalogModel.Pretrained t : m.pretrained()) {
                if (glob ? p.matcher(t.name()).matches() : filter.isEmpty() || m.shortName().equals(filter) || t.name().equals(filter)) out.add(t);
            }
        }
        return out;
    }

    /** A shell glob ({@code *}, {@code ?}) as timm's fnmatch filters read it. */
    public static Pattern glob(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') sb.append(".*");
            else if (c == '?') sb.append('.');
            else sb.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(sb.toString());
    }
}
