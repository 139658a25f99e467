package io.weightbench.format.pickle;

import java.io.IOException;

/** The pickle is malformed, hostile beyond a limit, or uses something the VM cannot represent. */
public class PickleException extends IOException {
    private static final long serialVersionUID = 1L;

    public PickleException(String message) { super(message); }
}
