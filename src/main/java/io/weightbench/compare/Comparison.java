package io.weightbench.compare;

import io.weightbench.tensor.DType;
import java.util.List;

/**
 * How a checkpoint fits a model, as {@code model.load_state_dict(sd, strict=False)} would see it
 * with size mismatches split out first: keys relative to each side's weights entry.
 *
 * @param matched       keys present on both sides with the same shape (dtype changes included)
 * @param missing       model keys the checkpoint lacks (torch's missing_keys)
 * @param unexpected    checkpoint keys the model lacks (torch's unexpected_keys)
 * @param mismatched    keys on both sides with different shapes (torch's size-mismatch errors)
 * @param dtypeChanged  matched keys whose dtype differs (torch casts them on load)
 * @param filledByTorch missing {@code num_batches_tracked} buffers that torch's BatchNorm fills in
 *                      itself for state_dicts without version-2 metadata, so it does not report them
 * @param ignoredByTorch checkpoint keys the model lacks that torch's loader passes over without a
 *                       word (their next name is a parameter of the module, or they end at a
 *                       child's name): neither loaded nor reported, so they do not stop strict loading
 * @param notes          what torch does silently that a user may want to know ("torch loads the first
 *                       of 3 values into the 0-d parameter")
 */
public record Comparison(int matched, List<String> missing, List<String> unexpected, List<Mismatch> mismatched,
                         List<DtypeChange> dtypeChanged, List<String> filledByTorch, List<String> ignoredByTorch,
                         List<String> notes) {

    public record Mismatch(String key, List<Long> modelShape, List<Long> checkpointShape) {}

    public record DtypeChange(String key, DType modelDtype, DType checkpointDtype) {}

    public Comparison {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
        dtypeChanged = List.copyOf(dtypeChanged);
        filledByTorch = List.copyOf(filledByTorch);
        ignoredByTorch = List.copyOf(ignoredByTorch);
        notes = List.copyOf(notes);
    }

    /** True when torch would load the checkpoint with {@code strict=True}. */
    public boolean loadsStrictly() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }
}
