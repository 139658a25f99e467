package io.weightbench.app;

/**
 * How a key fares, shown by colour and by icon (so it reads without colour too). The order is the
 * order of severity for a module's roll-up.
 */
enum Status {
    MISSING("missing", "mdi2m-minus-circle", "status-missing"),
    SHAPE("shape differs", "mdi2r-resize", "status-shape"),
    UNEXPECTED("unexpected", "mdi2p-plus-circle", "status-unexpected"),
    DTYPE("dtype changes", "mdi2s-swap-horizontal", "status-dtype"),
    RENAMED("renamed", "mdi2a-arrow-right-circle", "status-renamed"),
    DROPPED("dropped", "mdi2d-delete-circle", "status-dropped"),
    FILLED("filled by torch", "mdi2i-information", "status-filled"),
    MATCHED("matched", "mdi2c-check-circle", "status-matched"),
    /** Only one side is open: nothing to compare with yet. */
    LISTED("", "mdi2c-circle-small", "status-listed");

    final String label;
    final String icon;
    final String styleClass;

    Status(String label, String icon, String styleClass) {
        this.label = label;
        this.icon = icon;
        this.styleClass = styleClass;
    }

    /** A problem to fix before torch loads with strict=True. */
    boolean isProblem() {
        return this == MISSING || this == SHAPE || this == UNEXPECTED;
    }
}
