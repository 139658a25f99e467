package io.weightbench.app;

import java.util.List;

/**
 * One key on one side of the workbench, or (in the aligned view) a model key beside the checkpoint
 * key that fills it.
 *
 * @param key      the key as shown (on the checkpoint side: after the rules; in the aligned view the
 *                 model key, or {@link #UNPAIRED} + the checkpoint key after the rules)
 * @param original on the checkpoint side, the key in the file; in the aligned view the checkpoint
 *                 key in the file that fills the model key ("" when none); otherwise the key
 * @param note     what is wrong or what happened, in a few words (empty when matched)
 * @param otherShape in the aligned view, the checkpoint tensor's shape beside the model's (null when none)
 * @param otherDtype in the aligned view, the checkpoint tensor's dtype ("" when none)
 */
record KeyRow(String key, String original, String dtype, List<Long> shape, long numel, long bytes, Status status, String note,
              List<Long> otherShape, String otherDtype) {

    /** The aligned view's group of checkpoint keys no model key takes. */
    static final String UNPAIRED = "(checkpoint only)";

    KeyRow(String key, String original, String dtype, List<Long> shape, long numel, long bytes, Status status, String note) {
        this(key, original, dtype, shape, numel, bytes, status, note, null, "");
    }

    String shapeText() {
        return shape.toString();
    }

    /** "[1000, 32] → [10, 32]" when the checkpoint's shape differs from the model's; the shape otherwise. */
    String alignedShapeText() {
        if (otherShape == null || otherShape.equals(shape)) return shape.toString();
        return otherShape + " → " + shape;
    }

    /** "float16 → float32" when the dtypes differ. */
    String alignedDtypeText() {
        return otherDtype.isEmpty() || otherDtype.equals(dtype) ? dtype : otherDtype + " → " + dtype;
    }

    /** Whether this aligned row is a checkpoint key no model key takes. */
    boolean unpaired() {
        return key.startsWith(UNPAIRED + ".");
    }

    /** The checkpoint key after the rules of an unpaired row (its path under the group). */
    String checkpointKey() {
        return unpaired() ? key.substring(UNPAIRED.length() + 1) : key;
    }
}
