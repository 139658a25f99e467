package io.weightbench.format;

import java.io.IOException;

/** The file's content does not fit its format; the opener adds the file name. */
public class FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) { super(message); }
}
