package io.weightbench.tensor;

import java.util.Locale;

/** Byte counts for people: {@code 512 B}, {@code 23.3 KiB}, {@code 3.9 GiB} (binary units, a dot for the decimals). */
public final class ByteCounts {

    private ByteCounts() {}

    public static String human(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
