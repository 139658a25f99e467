package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The workbench's state without a window: rules as an undoable list, and what follows from them. */
class WorkbenchModelTest {

    @Test
    void rulesEditToggleMoveAndUndoRecomputeTheFit() throws Exception {
        try (Checkpoint template = Formats.standard().open(Path.of("samples/tinynet_template.pt"));
             Checkpoint dp = Formats.standard().open(Path.of("samples/tinynet_dataparallel.pth"))) {
            WorkbenchModel m = new WorkbenchModel();
            m.model.set(new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(template), Optional.of(template)));
            m.checkpoint.set(dp);
            assertThat(m.fit().comparison().matched()).isZero();
            m.addRules(List.of(new Rule.AddPrefix("x."), new Rule.StripPrefix("module.")));
            assertThat(m.changedPerRule).containsExactly(16, 0); // after add_prefix nothing starts with module.
            m.moveRule(1, 0);
            assertThat(m.changedPerRule).containsExactly(16, 16);
            m.toggleRule(1);
            assertThat(m.changedPerRule).containsExactly(16, -1);
            assertThat(m.fit().comparison().loadsStrictly()).isTrue();
            assertThat(m.checkpointRows).extracting(KeyRow::status).containsOnly(Status.RENAMED);
            m.editRule(0, "{\"op\": \"replace_prefix\", \"from\": \"module.stem.\", \"to\": \"stem.\"}");
            assertThat(m.fit().comparison().matched()).isEqualTo(7);
            assertThatThrownBy(() -> m.editRule(0, "{\"op\": \"strip_prefix\"}")).isInstanceOf(RuleException.class);
            assertThatThrownBy(() -> m.editRule(0, "{not json")).isInstanceOf(RuleException.class).hasMessageContaining("not JSON");
            m.undo();
            assertThat(m.fit().comparison().matched()).isEqualTo(16);
            m.undo();
            m.undo();
            m.undo();
            assertThat(m.rules).isEmpty();
            assertThat(m.canUndoProperty().get()).isFalse();
            m.redo();
            assertThat(m.rules).hasSize(2);
            // a rule that drops keys shows them as dropped, with their original names
            m.setRules(List.of(new WorkbenchModel.RuleRow(new Rule.Drop("^module\\.head\\."), true),
                    new WorkbenchModel.RuleRow(new Rule.StripPrefix("module."), true)));
            assertThat(m.checkpointRows).filteredOn(r -> r.status() == Status.DROPPED).extracting(KeyRow::key)
                    .containsExactly("module.head.weight", "module.head.bias");
            assertThat(m.modelRows).filteredOn(r -> r.status() == Status.MISSING).extracting(KeyRow::key)
                    .containsExactly("head.weight", "head.bias");
        }
    }
}
