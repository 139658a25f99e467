package io.weightbench.export;

/**
 * A test hook, inert unless its system property is set: makes a sharded export wait after its
 * first shard is renamed into place, so that a test can kill the process exactly there (the one
 * moment a crash leaves a partial set on disk; docs/cli-json.md says what remains and how the next
 * run recovers). Nothing else reads the property.
 */
final class CrashTest {

    /** Milliseconds to wait after the first shard's rename (ExportCrashTest sets it). */
    static final String PAUSE_PROPERTY = "weightbench.test.pauseAfterFirstShardRename";

    private CrashTest() {}

    static void pauseAfterFirstShardRename() {
        long ms = Long.getLong(PAUSE_PROPERTY, 0);
        if (ms <= 0) return;
        System.err.println("paused after the first shard's rename");
        System.err.flush();
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
