package io.weightbench.app;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Dialog;
import javafx.scene.image.Image;
import javafx.stage.Stage;

/** The application icon (icons/weightbench.svg, rendered at several sizes) on every window. */
final class Icons {

    private static List<Image> images;

    private Icons() {}

    static synchronized List<Image> images() {
        if (images == null) {
            List<Image> out = new ArrayList<>();
            for (int size : new int[] {16, 24, 32, 48, 64, 128, 256, 512}) {
                InputStream in = Icons.class.getResourceAsStream("icons/weightbench-" + size + ".png");
                if (in != null) out.add(new Image(in));
            }
            images = List.copyOf(out);
        }
        return images;
    }

    static void apply(Stage stage) {
        stage.getIcons().setAll(images());
    }

    static void apply(Dialog<?> dialog) {
        if (dialog.getDialogPane().getScene().getWindow() instanceof Stage s) apply(s);
    }
}
