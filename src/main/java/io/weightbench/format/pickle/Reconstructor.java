package io.weightbench.format.pickle;

/**
 * How a callable the VM interprets builds its value from REDUCE's arguments. Chosen once per
 * global of a pickle ({@link PickleHooks#reconstructor}), so that the thousands of calls of a large
 * state_dict (two per tensor) dispatch without comparing names.
 */
@FunctionalInterface
public interface Reconstructor {

    /** The value of the call, or null when these arguments are not interpreted (the call then stays an inert object). */
    Object call(PyTuple args) throws PickleException;
}
