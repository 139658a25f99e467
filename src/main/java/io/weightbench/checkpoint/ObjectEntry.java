package io.weightbench.checkpoint;

import java.util.List;

/**
 * A non-tensor object in a checkpoint that Weightbench did not interpret: a placeholder for a
 * Python class (an {@code argparse.Namespace}, a pickled module, a hostile {@code os.system} call),
 * or a numpy array.
 *
 * @param summary a short description (its arguments, for a call)
 */
public record ObjectEntry(List<String> path, String type, String summary) {

    public ObjectEntry {
        path = List.copyOf(path);
    }

    public String key() { return ObjectTree.join(path); }
}
