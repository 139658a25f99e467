package io.weightbench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the tests find their inputs. */
public final class TestFiles {

    private TestFiles() {}

    /** {@code ../shared/realworld}: required in CI, skipped (with a reason) elsewhere when absent. */
    public static Path realworld() {
        Path p = Path.of("..", "shared", "realworld").toAbsolutePath().normalize();
        boolean present = Files.isRegularFile(p.resolve("MANIFEST.tsv"));
        if (!present && System.getenv("CI") != null) {
            throw new IllegalStateException("the real-world corpus is missing at " + p + " (CI must have ../shared beside the repo)");
        }
        Assumptions.assumeTrue(present, "real-world corpus not found at " + p);
        return p;
    }

    /** The committed fixtures made by real torch (src/test/resources/fixtures). */
    public static Path fixtures() {
        return Path.of("src", "test", "resources", "fixtures").toAbsolutePath();
    }
}
