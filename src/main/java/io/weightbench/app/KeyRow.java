package io.weightbench.app;

import java.util.List;

/**
 * One key on one side of the workbench.
 *
 * @param key      the key as shown (on the checkpoint side: after the rules)
 * @param original on the checkpoint side, the key in the file; otherwise the key
 * @param note     what is wrong or what happened, in a few words (empty when matched)
 */
record KeyRow(String key, String original, String dtype, List<Long> shape, long numel, long bytes, Status status, String note) {

    String shapeText() {
        return shape.toString();
    }
}
