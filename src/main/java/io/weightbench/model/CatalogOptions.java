package io.weightbench.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * timm's {@code create_model} options that change a state_dict, as a catalog name's query:
 * {@code catalog:timm/convnext_tiny?num_classes=10&in_chans=1&features_only=true}.
 */
public record CatalogOptions(Optional<Integer> numClasses, Optional<Integer> inChans, boolean featuresOnly) {

    public static final CatalogOptions DEFAULT = new CatalogOptions(Optional.empty(), Optional.empty(), false);

    /** Parses {@code num_classes=10&in_chans=1&features_only=true}; the message of the exception says what is wrong. */
    public static CatalogOptions parse(String query) {
        Optional<Integer> nc = Optional.empty();
        Optional<Integer> ic = Optional.empty();
        boolean features = false;
        if (query.isEmpty()) return DEFAULT;
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            switch (k) {
                case "num_classes" -> nc = Optional.of(count(k, v, 0));
                case "in_chans" -> ic = Optional.of(count(k, v, 1));
                case "features_only" -> {
                    if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException("features_only must be true or false, not '" + v + "'");
                    features = v.equals("true");
                }
                default -> throw new IllegalArgumentException("unknown option '" + k + "' (known: num_classes, in_chans, features_only)");
            }
        }
        return new CatalogOptions(nc, ic, features);
    }

    private static int count(String k, String v, int min) {
        if (!v.matches("\\d{1,7}") || Integer.parseInt(v) < min) throw new IllegalArgumentException(k + " must be a whole number of at least " + min + ", not '" + v + "'");
        return Integer.parseInt(v);
    }

    /** The query as written back ({@code ""} for the defaults): options in a fixed order. */
    public String query() {
        List<String> parts = new ArrayList<>();
        numClasses.ifPresent(n -> parts.add("num_classes=" + n));
        inChans.ifPresent(n -> parts.add("in_chans=" + n));
        if (featuresOnly) parts.add("features_only=true");
        return String.join("&", parts);
    }
}
