package io.weightbench.format.hdf5;

/**
 * A read that jhdf asked for and the file cannot honour (outside the file, over a size limit, over
 * the file's read budget). Unchecked because it is thrown from inside jhdf's own code; the guard
 * around every jhdf call turns it, wherever it was wrapped, into a FormatException with this message.
 */
final class Hdf5LimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Hdf5LimitException(String message) {
        super(message, null, false, false);
    }
}
