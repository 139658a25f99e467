package io.weightbench.format.pickle;

/**
 * What a file format adds to the generic VM: how persistent ids resolve (torch storages) and which
 * callables it interprets (torch's {@code _rebuild_*}). Anything a hook does not interpret becomes
 * an inert {@link PyObject}.
 */
public interface PickleHooks {

    /** The object a persistent id stands for. */
    Object persistentLoad(Object pid) throws PickleException;

    /** How this format interprets {@code callable}, or null if it does not; asked once per global of a pickle. */
    Reconstructor reconstructor(PyGlobal callable);

    /**
     * What an object of a class the VM left inert becomes once {@code BUILD} gives it its state (a
     * legacy {@code torch.FloatTensor} given {@code (storage, offset, size, stride)}), or null when
     * the format does not interpret it. The object stays in place (memo references keep working)
     * and carries the value as {@link PyObject#resolved()}.
     */
    default Object build(PyObject target, Object state) throws PickleException { return null; }

    /** Hooks that interpret nothing and refuse persistent ids. */
    PickleHooks NONE = new PickleHooks() {
        @Override public Object persistentLoad(Object pid) throws PickleException {
            throw new PickleException("persistent id " + PyValues.describe(pid) + " without a container to resolve it");
        }

        @Override public Reconstructor reconstructor(PyGlobal callable) { return null; }
    };
}
