package io.weightbench.app;

/** For ArchitectureTest: a view model that hops to the FX thread by itself instead of through BackgroundTasks. */
public final class PostingViewModel {
    public void done(Runnable r) {
        javafx.application.Platform.runLater(r);
    }
}
