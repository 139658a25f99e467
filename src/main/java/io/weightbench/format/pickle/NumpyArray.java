package io.weightbench.format.pickle;

import io.weightbench.tensor.ByteSource;
import java.util.List;
import java.util.Optional;

/**
 * A numpy array rebuilt from a pickle ({@code numpy.core.multiarray._reconstruct} + {@code BUILD}):
 * its dtype string, shape, order and data (a view of the pickle's bytes for large arrays; absent
 * for object arrays, whose "data" is a list of Python objects). In torch checkpoints it is shown as
 * an object; readers of numpy-based formats (Paddle) make tensors of them.
 */
public final class NumpyArray {
    private String descr = "?";
    private List<Long> shape = List.of();
    private boolean fortranOrder;
    private ByteSource data;

    public String descr() { return descr; }

    public List<Long> shape() { return shape; }

    public boolean fortranOrder() { return fortranOrder; }

    /** The raw bytes, as pickled (in {@link #descr}'s byte order); empty for object arrays. */
    public Optional<ByteSource> data() { return Optional.ofNullable(data); }

    public long byteCount() { return data == null ? 0 : data.size(); }

    void set(String descr, List<Long> shape, boolean fortranOrder, ByteSource data) {
        this.descr = descr;
        this.shape = shape;
        this.fortranOrder = fortranOrder;
        this.data = data;
    }

    @Override public String toString() { return "numpy.ndarray " + descr + shape; }
}
