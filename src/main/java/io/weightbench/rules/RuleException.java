package io.weightbench.rules;

import java.io.IOException;

/** A rules file is malformed, or applying the rules leads to a conflict; the message names the keys. */
public class RuleException extends IOException {
    private static final long serialVersionUID = 1L;

    public RuleException(String message) { super(message); }
}
