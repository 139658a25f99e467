package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's acceptance: torchvision architectures written by real torch as a Keras-layout .h5
 * (h5py; Keras' auto layer names, shortcuts before main branches, inverse layouts written
 * independently in scripts/make_roundtrip_fixtures.py) and as an ONNX export in training mode (a
 * ViT also with constant folding, whose Linear weights become transposed onnx::MatMul_N);
 * {@code suggest} then {@code apply} alone give a checkpoint that torch loads with strict=True and
 * whose every tensor is bit-identical to the original weights (checked by torch). Skipped, saying
 * why, without python3-torch / torchvision / h5py.
 */
class ConversionRoundTripInteropTest {

    static final List<String> MODELS = List.of("resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "vit_tiny");

    static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = WeightbenchCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        assertThat(code).as(String.join(" ", args) + "\n" + out + err).isZero();
        return out.toString();
    }

    @Test
    void suggestThenApplyGiveTheTorchWeightsBitForBit(@TempDir Path dir) throws Exception {
        TestFiles.require(TestFiles.pythonHas("torchvision,h5py"), "Debian python3-torchvision and python3-h5py are not installed");
        TestFiles.runTorchScript("scripts/make_roundtrip_fixtures.py", dir.toString());
        int checked = 0;
        for (String m : MODELS) {
            for (String ext : List.of("h5", "onnx", "folded.onnx")) {
                Path source = dir.resolve(m + "." + ext);
                if (!Files.exists(source)) continue; // only the ViT is written with constant folding too
                Path rules = dir.resolve(m + "_" + ext + ".json");
                Path out = dir.resolve(m + "_" + ext + ".pth");
                String suggested = run("suggest", "--model", dir.resolve(m + "_template.pth").toString(), "--checkpoint", source.toString(),
                        "-o", rules.toString());
                assertThat(suggested).as(m + "." + ext).doesNotContain("unpaired")
                        .contains(ext.equals("h5") ? "preset keras" : "preset onnx-from-torch");
                // Keras' auto names and ONNX's numeric ones are paired by shape and order
                if (!ext.equals("onnx")) assertThat(suggested).contains(ext.equals("h5") ? "conv2d" : "onnx::MatMul_").contains("in order on both sides");
                assertThat(Files.readString(rules)).contains("\"preset\" : \"" + (ext.equals("h5") ? "keras" : "onnx-from-torch") + "\"");
                run("apply", "--rules", rules.toString(), source.toString(), "-o", out.toString());
                String log = TestFiles.runTorchScript("scripts/make_roundtrip_fixtures.py", "check", m,
                        dir.resolve(m + "_template.pth").toString(), out.toString());
                assertThat(log).as(m + "." + ext).contains("loads with strict=True").doesNotContain("differ");
                checked++;
            }
        }
        assertThat(checked).isEqualTo(11);
    }

    /**
     * Keras recurrent layers: an nn.LSTM -> nn.GRU -> nn.Linear network written by
     * scripts/make_recurrent_fixtures.py as a Keras-layout .h5 (one LSTM bias; the GRU's [2, 3h]
     * reset_after biases; GRU gates reordered); the keras preset's keras_recurrent op and the
     * pairing give a checkpoint that loads with strict=True, every tensor bit-identical and the
     * network's outputs equal in torch.
     */
    @Test
    void kerasLstmAndGruConvertWithEqualOutputs(@TempDir Path dir) throws Exception {
        TestFiles.require(TestFiles.pythonHas("torchvision,h5py"), "Debian python3-torchvision and python3-h5py are not installed");
        TestFiles.runTorchScript("scripts/make_recurrent_fixtures.py", dir.toString());
        Path rules = dir.resolve("rnn.json");
        Path out = dir.resolve("rnn.pth");
        String suggested = run("suggest", "--model", dir.resolve("rnn_template.pth").toString(), "--checkpoint", dir.resolve("rnn.h5").toString(),
                "-o", rules.toString());
        assertThat(suggested).doesNotContain("unpaired").contains("lstm_cell.bias_hh_l0 -> lstm.bias_hh_l0").contains("gru_cell.weight_ih_l0 -> gru.weight_ih_l0");
        run("apply", "--rules", rules.toString(), dir.resolve("rnn.h5").toString(), "-o", out.toString());
        String log = TestFiles.runTorchScript("scripts/make_recurrent_fixtures.py", "check", dir.toString(), out.toString());
        assertThat(log).contains("loads with strict=True; 10 of 10 tensors bit-identical; outputs equal");
    }

    /**
     * Keras 3: a conv (no bias) + BatchNorm + depthwise conv + BatchNorm + Linear network written by
     * scripts/make_keras3_fixture.py as a .keras archive (positional layers/<class>/vars/<i>
     * variables, config.json with the layers' flags); the reader names the variables from
     * config.json, the keras preset's keras_names uses the names (recorded resolved in the rules),
     * and suggest + apply give a checkpoint that loads with strict=True, bit-identical, with equal
     * outputs in torch.
     */
    @Test
    void keras3ArchiveConvertsByItsVariablesKerasNames(@TempDir Path dir) throws Exception {
        TestFiles.require(TestFiles.pythonHas("torch,h5py"), "Debian python3-torch and python3-h5py are not installed");
        TestFiles.runTorchScript("scripts/make_keras3_fixture.py", dir.toString());
        Path source = dir.resolve("k3net.keras");
        Path rules = dir.resolve("k3net.json");
        Path out = dir.resolve("k3net.pth");
        String suggested = run("suggest", "--model", dir.resolve("k3net_template.pth").toString(), "--checkpoint", source.toString(),
                "-o", rules.toString());
        assertThat(suggested).contains("preset keras").doesNotContain("unpaired").contains("conv2d.weight -> conv.weight")
                .contains("depthwise_conv2d.weight -> dw.weight").contains("batch_normalization_1.running_var -> bn2.running_var");
        assertThat(Files.readString(rules)).contains("\"layers/depthwise_conv2d/vars/0\" : \"layers/depthwise_conv2d/kernel\"");
        // the archive's tree is {model: ...} (and the optimizer's variables when saved): the state_dict alone is what torch loads
        run("apply", "--rules", rules.toString(), "--weights-only", source.toString(), "-o", out.toString());
        String log = TestFiles.runTorchScript("scripts/make_keras3_fixture.py", "check", dir.toString(), out.toString());
        assertThat(log).contains("k3net: loads with strict=True; 13 of 13 tensors bit-identical; outputs equal");
    }

    /**
     * Paddle: an nn.Embedding + Linear + BatchNorm1d network written as a .pdparams by
     * scripts/make_paddle_fixture.py; the paddle preset transposes the Linears but not the
     * embedding (whose [num, dim] is PyTorch's), so suggest + apply give a checkpoint that loads with
     * strict=True and computes the same outputs in torch.
     */
    @Test
    void paddleEmbeddingsKeepTheirLayout(@TempDir Path dir) throws Exception {
        TestFiles.require(TestFiles.torchAvailable(), "Debian python3-torch is not installed");
        TestFiles.runTorchScript("scripts/make_paddle_fixture.py", dir.toString());
        Path rules = dir.resolve("paddle.json");
        Path out = dir.resolve("paddle.pth");
        String suggested = run("suggest", "--model", dir.resolve("paddle_template.pth").toString(), "--checkpoint",
                dir.resolve("paddle.pdparams").toString(), "-o", rules.toString());
        assertThat(suggested).contains("preset paddle").doesNotContain("drop").doesNotContain("unpaired");
        run("apply", "--rules", rules.toString(), dir.resolve("paddle.pdparams").toString(), "-o", out.toString());
        String log = TestFiles.runTorchScript("scripts/make_paddle_fixture.py", "check", dir.toString(), out.toString());
        assertThat(log).contains("paddle: loads with strict=True; tensors bit-identical; outputs equal");
    }

    /** A real llama.cpp file (../shared/crossframework): the gguf-llama preset names every tensor as Hugging Face does and records the head counts it read. */
    @Test
    void ggufLlamaPresetGivesHuggingFaceNamesAndRecordsTheHeadCounts(@TempDir Path dir) throws Exception {
        Path gguf = TestFiles.crossframework().resolve("gguf/ollama_llama-2-tiny-random.gguf");
        Path out = dir.resolve("llama.safetensors");
        run("apply", "--preset", "gguf-llama", gguf.toString(), "-o", out.toString());
        String listing = run("inspect", "--json", out.toString());
        assertThat(listing).contains("\"model.layers.0.self_attn.q_proj.weight\"", "\"model.layers.0.mlp.down_proj.weight\"",
                "\"model.embed_tokens.weight\"", "\"lm_head.weight\"", "\"model.norm.weight\"").doesNotContain("blk.0");
        assertThat(listing).contains("\\\"preset\\\":\\\"gguf-llama\\\"").contains("\\\"heads\\\":2");
    }
}
