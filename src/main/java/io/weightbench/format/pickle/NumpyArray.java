package io.weightbench.format.pickle;

import java.util.List;

/**
 * A numpy array rebuilt from a pickle ({@code numpy.core.multiarray._reconstruct} + {@code BUILD}):
 * its dtype string, shape, order and raw bytes. Shown to the user as an object, not as a tensor.
 */
public final class NumpyArray {
    private String descr = "?";
    private List<Long> shape = List.of();
    private boolean fortranOrder;
    private int byteCount;

    public String descr() { return descr; }

    public List<Long> shape() { return shape; }

    public boolean fortranOrder() { return fortranOrder; }

    public int byteCount() { return byteCount; }

    void set(String descr, List<Long> shape, boolean fortranOrder, int byteCount) {
        this.descr = descr;
        this.shape = shape;
        this.fortranOrder = fortranOrder;
        this.byteCount = byteCount;
    }

    @Override public String toString() { return "numpy.ndarray " + descr + shape; }
}
