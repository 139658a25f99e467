package io.weightbench.app;

import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Tooltip;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.DataFormat;
import javafx.scene.input.Dragboard;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The rules (ordered; drag to reorder, tick to enable, delete; each shows how many keys it
 * changed; undo and redo), the rule a drop proposes with its effect before it is kept, and the
 * suggestions, each accepted with one click and its effect shown beside it.
 */
final class RulesPane extends VBox {

    private static final DataFormat RULE_INDEX = new DataFormat("application/x-weightbench-rule-index");
    private static final DataFormat PAIRED_KEY = new DataFormat("application/x-weightbench-paired-checkpoint-key");

    final javafx.scene.control.ComboBox<String> presetChoice = new javafx.scene.control.ComboBox<>();
    final ListView<RulesViewModel.PairRow> pairing = new ListView<>();
    final Label unpaired = new Label();

    final ListView<Integer> rules = new ListView<>();
    final ListView<WorkbenchModel.Suggested> suggestions = new ListView<>();
    final VBox proposal = new VBox(6);
    final Label ruleError = new Label();
    private final WorkbenchModel model;
    private final RulesViewModel vm;

    RulesPane(WorkbenchModel model, RulesViewModel vm, Button... tools) {
        this.model = model;
        this.vm = vm;
        setId("rules-pane");
        Label title = new Label("Rules");
        title.getStyleClass().add("pane-title");
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox header = new HBox(6);
        header.getChildren().add(title);
        Region gap = new Region();
        gap.setMinWidth(24);
        header.getChildren().addAll(gap, presetRow());
        header.getChildren().add(grow);
        header.getChildren().addAll(tools);
        header.setAlignment(Pos.CENTER_LEFT);
        rules.setId("rules");
        rules.setPlaceholder(placeholder("No rules yet: drag a checkpoint key onto a model key, or accept a suggestion."));
        rules.setCellFactory(l -> new RuleCell());
        rules.setPrefHeight(140);
        ruleError.getStyleClass().add("status-missing");
        ruleError.textProperty().bind(model.ruleError);
        ruleError.managedProperty().bind(ruleError.textProperty().isNotEmpty());
        proposal.setId("proposal");
        proposal.getStyleClass().add("proposal");
        proposal.setPadding(new Insets(8));
        proposal.setVisible(false);
        proposal.setManaged(false);
        Label sTitle = new Label("Suggestions");
        sTitle.getStyleClass().add("pane-title");
        Button acceptAll = new Button("Accept all", new FontIcon("mdi2c-check-all"));
        acceptAll.setId("accept-all");
        acceptAll.setTooltip(new Tooltip("Accept every suggestion, in order, as one step (undo takes them all back)"));
        acceptAll.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(model.suggestions));
        acceptAll.setOnAction(e -> vm.acceptAllSuggestions());
        HBox sHeader = new HBox(8, sTitle, acceptAll);
        sHeader.setAlignment(Pos.CENTER_LEFT);
        suggestions.setId("suggestions");
        suggestions.setPlaceholder(placeholder("No suggestions: nothing left that a rule could fix."));
        suggestions.setCellFactory(l -> new SuggestionCell());
        suggestions.setItems(model.suggestions);
        suggestions.setPrefHeight(120);
        VBox.setVgrow(rules, Priority.ALWAYS);
        VBox.setVgrow(suggestions, Priority.ALWAYS);
        VBox.setVgrow(pairing, Priority.ALWAYS);
        // the rules, the pairing and the suggestions side by side: the pane is wide and short
        VBox ruleColumn = new VBox(6, proposal, ruleError, rules);
        VBox pairColumn = pairingSection();
        VBox suggestionColumn = new VBox(6, sHeader, suggestions);
        javafx.scene.control.SplitPane columns = new javafx.scene.control.SplitPane(ruleColumn, pairColumn, suggestionColumn);
        columns.setId("rules-columns");
        columns.setDividerPositions(0.34, 0.67);
        VBox.setVgrow(columns, Priority.ALWAYS);
        getChildren().addAll(header, columns);
        setSpacing(6);
        setPadding(new Insets(8));
        Runnable sync = () -> {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < model.rules.size(); i++) idx.add(i);
            rules.getItems().setAll(idx);
            rules.refresh();
        };
        model.rules.addListener((javafx.collections.ListChangeListener<WorkbenchModel.RuleRow>) c -> sync.run());
        vm.proposal.addListener((o, a, p) -> showProposal(p));
        model.changedPerRule.addListener((javafx.collections.ListChangeListener<Integer>) c -> rules.refresh());
    }

    /** A list's text while empty, wrapped: the columns are narrow. */
    private static Label placeholder(String text) {
        Label l = new Label(text);
        l.setWrapText(true);
        l.setPadding(new Insets(8));
        return l;
    }

    /** The preset: "none" or one of those shipped, the framework's proposed when a file opens; Apply puts its rules first. */
    private HBox presetRow() {
        Label title = new Label("Preset");
        title.getStyleClass().add("pane-title");
        presetChoice.setId("preset-choice");
        presetChoice.setItems(vm.presets);
        presetChoice.valueProperty().bindBidirectional(vm.preset);
        presetChoice.setTooltip(new Tooltip("The rules every file of a framework needs (layouts, Keras' names): docs/rules.md"));
        Button apply = new Button("Apply preset", new FontIcon("mdi2p-playlist-check"));
        apply.setId("preset-apply");
        apply.setTooltip(new Tooltip("Put the preset's rules first (in place of an earlier preset's); none takes them out"));
        apply.setOnAction(e -> vm.applyPreset());
        Label note = new Label();
        note.setId("preset-note");
        note.getStyleClass().add("effect");
        note.textProperty().bind(vm.presetNote);
        HBox row = new HBox(8, title, presetChoice, apply, note);
        row.setAlignment(Pos.CENTER_LEFT);
        return row;
    }

    /**
     * What suggest pairs by shape and order (checkpoint key → model key, and the evidence), accepted
     * with one click; a checkpoint key dragged onto another pair's model key swaps the two.
     */
    private VBox pairingSection() {
        Label title = new Label("Pairing by shape and order");
        title.getStyleClass().add("pane-title");
        Button accept = new Button("Accept pairing", new FontIcon("mdi2c-check-all"));
        accept.setId("accept-pairing");
        accept.getStyleClass().add("accent");
        accept.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(vm.pairs));
        accept.setOnAction(e -> vm.acceptPairing());
        Label count = new Label();
        count.getStyleClass().add("effect");
        count.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                () -> vm.pairs.isEmpty() ? "" : vm.pairs.size() + " pairs; drag a checkpoint key onto a model key to re-pair", vm.pairs));
        HBox head = new HBox(8, title, accept);
        head.setAlignment(Pos.CENTER_LEFT);
        pairing.setId("pairing");
        pairing.setItems(vm.pairs);
        pairing.setPlaceholder(placeholder("Nothing paired by shape (a preset first?)"));
        pairing.setCellFactory(l -> new PairCell());
        pairing.setPrefHeight(160);
        unpaired.setId("unpaired");
        unpaired.getStyleClass().add("status-missing");
        unpaired.setWrapText(true);
        unpaired.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> vm.unpaired.isEmpty() ? ""
                : "Unpaired: " + String.join("; ", vm.unpaired.subList(0, Math.min(5, vm.unpaired.size())))
                + (vm.unpaired.size() > 5 ? " … (" + vm.unpaired.size() + " in all)" : ""), vm.unpaired));
        unpaired.managedProperty().bind(unpaired.textProperty().isNotEmpty());
        VBox.setVgrow(pairing, Priority.ALWAYS);
        return new VBox(4, head, count, pairing, unpaired);
    }

    private final class PairCell extends ListCell<RulesViewModel.PairRow> {
        PairCell() {
            // a row is dragged by its checkpoint key (the row, not a label in it: a label is made anew with each update)
            setOnDragDetected(e -> {
                if (getItem() == null) return;
                Dragboard db = startDragAndDrop(TransferMode.ANY);
                ClipboardContent c = new ClipboardContent();
                c.put(PAIRED_KEY, getItem().checkpointKey());
                c.putString(getItem().checkpointKey());
                db.setContent(c);
                e.consume();
            });
            setOnDragOver(e -> {
                if (e.getDragboard().hasContent(PAIRED_KEY) && getItem() != null) {
                    e.acceptTransferModes(TransferMode.ANY);
                    e.consume();
                }
            });
            setOnDragDropped(e -> {
                Object key = e.getDragboard().getContent(PAIRED_KEY);
                if (key == null || getItem() == null) return;
                vm.repair((String) key, getItem().modelKey());
                e.setDropCompleted(true);
                e.consume();
            });
        }

        @Override
        protected void updateItem(RulesViewModel.PairRow p, boolean empty) {
            super.updateItem(p, empty);
            if (empty || p == null) {
                setText(null);
                setGraphic(null);
                return;
            }
            Label from = new Label(p.checkpointKey());
            from.getStyleClass().add("pair-from");
            from.setTooltip(new Tooltip("drag onto another pair to put this checkpoint key at its model key (the two swap)"));
            Label to = new Label(p.modelKey());
            Label why = new Label(p.evidence());
            why.getStyleClass().add(p.byHand() ? "status-renamed" : "effect");
            why.setMinWidth(0);
            HBox box = new HBox(6, from, new Label("→"), to, why);
            box.setAlignment(Pos.CENTER_LEFT);
            setText(null);
            setGraphic(box);
        }
    }

    /** Shows what a rule would do before it is kept: each choice adds its rules, Cancel closes; null hides it. */
    private void showProposal(RulesViewModel.Proposal p) {
        proposal.getChildren().clear();
        proposal.setVisible(p != null);
        proposal.setManaged(p != null);
        if (p == null) return;
        Label head = new Label(p.title());
        head.setWrapText(true);
        head.getStyleClass().add("proposal-title");
        proposal.getChildren().add(head);
        if (!p.problem().isEmpty()) {
            Label problem = new Label(p.problem());
            problem.setWrapText(true);
            problem.getStyleClass().add("status-shape");
            proposal.getChildren().add(problem);
        }
        HBox buttons = new HBox(6);
        buttons.setAlignment(Pos.CENTER_LEFT);
        for (RulesViewModel.Choice c : p.choices()) {
            Button b = new Button(c.label());
            b.setId(c.id());
            b.setTooltip(new Tooltip(c.effect()));
            b.setOnAction(e -> vm.accept(c));
            if (c.isDefault()) b.setDefaultButton(true);
            Label eff = new Label(c.effect());
            eff.getStyleClass().add("effect");
            buttons.getChildren().add(new VBox(2, b, eff));
        }
        Button cancel = new Button("Cancel");
        cancel.setId("proposal-cancel");
        cancel.setCancelButton(true);
        cancel.setOnAction(e -> vm.closeProposal());
        buttons.getChildren().add(cancel);
        proposal.getChildren().add(buttons);
    }

    private final class RuleCell extends ListCell<Integer> {
        RuleCell() {
            setOnDragDetected(e -> {
                if (getItem() == null) return;
                Dragboard db = startDragAndDrop(TransferMode.MOVE);
                ClipboardContent c = new ClipboardContent();
                c.put(RULE_INDEX, getItem());
                db.setContent(c);
                e.consume();
            });
            setOnDragOver(e -> {
                if (e.getDragboard().hasContent(RULE_INDEX)) {
                    e.acceptTransferModes(TransferMode.ANY);
                    e.consume();
                }
            });
            setOnDragDropped(e -> {
                Object from = e.getDragboard().getContent(RULE_INDEX);
                if (from == null) return;
                int to = getItem() == null ? model.rules.size() - 1 : getItem();
                model.moveRule(((Number) from).intValue(), to);
                e.setDropCompleted(true);
                e.consume();
            });
        }

        @Override
        protected void updateItem(Integer index, boolean empty) {
            super.updateItem(index, empty);
            if (empty || index == null || index >= model.rules.size()) {
                setText(null);
                setGraphic(null);
                return;
            }
            WorkbenchModel.RuleRow r = model.rules.get(index);
            CheckBox on = new CheckBox();
            on.setSelected(r.enabled());
            on.setOnAction(e -> model.toggleRule(index));
            on.setTooltip(new Tooltip("enable / disable"));
            Label text = new Label((index + 1) + ". " + r.rule().describe());
            text.setMinWidth(0);
            int changed = index < model.changedPerRule.size() ? model.changedPerRule.get(index) : -1;
            Label count = new Label(changed < 0 ? "(disabled)" : changed + (changed == 1 ? " key" : " keys"));
            count.getStyleClass().add(changed == 0 ? "status-unexpected" : "effect");
            Region grow = new Region();
            HBox.setHgrow(grow, Priority.ALWAYS);
            Button delete = new Button(null, new FontIcon("mdi2d-delete-outline"));
            delete.getStyleClass().add("flat");
            delete.setTooltip(new Tooltip("delete this rule"));
            delete.setOnAction(e -> model.removeRule(index));
            Button edit = new Button(null, new FontIcon("mdi2p-pencil-outline"));
            edit.getStyleClass().add("flat");
            edit.setTooltip(new Tooltip("edit this rule (its JSON; also a double click)"));
            edit.setOnAction(e -> edit(index));
            setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && getItem() != null) edit(getItem());
            });
            HBox box = new HBox(8, on, text, grow, count, edit, delete);
            box.setAlignment(Pos.CENTER_LEFT);
            setText(null);
            setGraphic(box);
        }
    }

    /** Edits rule {@code index} as JSON (docs/rules.md), in a dialog that says what is wrong until it parses. */
    void edit(int index) {
        javafx.scene.control.TextArea area = new javafx.scene.control.TextArea(model.ruleJson(index));
        area.setPrefRowCount(8);
        area.setPrefColumnCount(50);
        Label error = new Label();
        error.getStyleClass().add("status-missing");
        error.setWrapText(true);
        javafx.scene.control.Dialog<javafx.scene.control.ButtonType> d = new javafx.scene.control.Dialog<>();
        if (getScene() != null) d.initOwner(getScene().getWindow());
        Icons.apply(d);
        d.setTitle("Edit rule " + (index + 1));
        d.setHeaderText("The rule as JSON (see docs/rules.md for every op)");
        d.getDialogPane().setContent(new VBox(6, area, error));
        d.getDialogPane().getButtonTypes().addAll(javafx.scene.control.ButtonType.OK, javafx.scene.control.ButtonType.CANCEL);
        javafx.scene.Node ok = d.getDialogPane().lookupButton(javafx.scene.control.ButtonType.OK);
        ok.addEventFilter(javafx.event.ActionEvent.ACTION, e -> {
            try {
                model.editRule(index, area.getText());
            } catch (io.weightbench.rules.RuleException ex) {
                error.setText(ex.getMessage());
                e.consume(); // stay open until it parses
            }
        });
        d.show();
    }

    private final class SuggestionCell extends ListCell<WorkbenchModel.Suggested> {
        @Override
        protected void updateItem(WorkbenchModel.Suggested item, boolean empty) {
            super.updateItem(item, empty);
            if (empty || item == null) {
                setText(null);
                setGraphic(null);
                return;
            }
            WorkbenchModel.Suggested s = item;
            Button accept = new Button("Accept", new FontIcon("mdi2c-check"));
            accept.getStyleClass().add("accent");
            accept.setOnAction(e -> vm.acceptSuggestion(getIndex()));
            Label text = new Label(s.description() + (s.fixes() > 0 ? "  —  fixes " + s.fixes() + (s.fixes() == 1 ? " key" : " keys") : ""));
            Label why = new Label(s.reason() + ". " + s.effect());
            why.getStyleClass().add("effect");
            why.setWrapText(true);
            VBox v = new VBox(2, text, why);
            HBox.setHgrow(v, Priority.ALWAYS);
            HBox box = new HBox(8, accept, v);
            box.setAlignment(Pos.CENTER_LEFT);
            setText(null);
            setGraphic(box);
        }
    }
}
