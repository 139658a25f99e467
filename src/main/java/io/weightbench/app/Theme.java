package io.weightbench.app;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;

/** AtlantaFX's Primer look, light or dark, for the whole application. */
final class Theme {

    private static volatile boolean dark;

    private Theme() {}

    static boolean isDark() { return dark; }

    static void apply(boolean dark) {
        Theme.dark = dark;
        Application.setUserAgentStylesheet(dark ? new PrimerDark().getUserAgentStylesheet() : new PrimerLight().getUserAgentStylesheet());
    }
}
