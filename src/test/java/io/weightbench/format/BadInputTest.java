package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken and hostile files fail with one clear sentence naming the file; nothing hangs or runs. */
class BadInputTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(TestFiles.fixtures().resolve(name));
    }

    private static void assertRefused(Path file, String problem) {
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void truncatedZipArchivesAreRefused() throws IOException {
        byte[] full = fixture("training_checkpoint.pth");
        for (int cut : new int[] {10, 100, full.length / 2, full.length - 30}) {
            assertRefused(write("cut" + cut + ".pth", Arrays.copyOf(full, cut)), "");
        }
        assertRefused(write("half.pth", Arrays.copyOf(full, full.length / 2)), "end-of-central-directory");
    }

    @Test
    void truncatedLegacyFilesAreRefused() throws IOException {
        byte[] full = fixture("dtypes_legacy.pt");
        assertRefused(write("a.pt", Arrays.copyOf(full, 200)), "truncated");
        assertRefused(write("b.pt", Arrays.copyOf(full, full.length - 10)), "truncated");
    }

    @Test
    void corruptZipDirectoriesAreRefused() throws IOException {
        byte[] z = fixture("parameter.pt");
        byte[] badSig = z.clone();
        int cd = lastIndexOf(badSig, new byte[] {'P', 'K', 1, 2});
        badSig[cd + 2] = 9;
        assertRefused(write("sig.pt", badSig), "central directory is corrupt");
        byte[] badOffset = z.clone();
        int eocd = lastIndexOf(badOffset, new byte[] {'P', 'K', 5, 6});
        ByteBuffer.wrap(badOffset).order(ByteOrder.LITTLE_ENDIAN).putInt(eocd + 16, 1_000_000_000);
        assertRefused(write("off.pt", badOffset), "lies outside the file");
    }

    @Test
    void storageRecordThatIsTooShortIsRefused() throws IOException {
        // a zip whose data record is shorter than the tensor over it claims
        byte[] z = fixture("parameter.pt");
        Path p = write("short.pt", z);
        try (var fs = java.nio.file.FileSystems.newFileSystem(p)) {
            Path rec = fs.getPath("parameter/data/0");
            Files.write(rec, new byte[8]);
        }
        assertRefused(p, "storage");
    }

    @Test
    void safetensorsHeaderOfTwoToTheSixtyTwoIsRefusedWithoutAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1L << 62).put("{\"a\":{}}".getBytes(StandardCharsets.US_ASCII));
        assertRefused(write("h.safetensors", b.array()), "header length 4611686018427387904");
    }

    @Test
    void safetensorsOffsetsAreValidated() throws IOException {
        assertRefused(safetensors("outside", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}", 16), "outside the data region");
        assertRefused(safetensors("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
        assertRefused(safetensors("hole", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "hole");
        assertRefused(safetensors("size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12");
        assertRefused(safetensors("dtype", "{\"a\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unknown dtype F7");
        assertRefused(safetensors("json", "{\"a\" 12}", 0), "not valid JSON");
        assertRefused(safetensors("list", "{\"a\": [1, 2]}", 0), "is not an object");
        assertRefused(safetensors("dup", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "duplicate entry 'a'");
        assertRefused(safetensors("frac", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1), "bad shape value 1.5");
        assertRefused(safetensors("neg", "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1), "bad shape value -1");
        assertRefused(safetensors("big", "{\"a\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,1]}}", 1), "too large");
        assertRefused(safetensors("trail", "{}  {}", 0), "trailing content");
        assertRefused(safetensors("deep", "{\"__metadata__\":{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}}", 0), "nesting deeper than 64");
        byte[] bad = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '{', '}', '}'};
        ByteBuffer raw = ByteBuffer.allocate(8 + bad.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.putLong(bad.length).put(bad);
        assertRefused(write("utf8.safetensors", raw.array()), "invalid UTF-8");
        assertRefused(safetensors("ctrl", "{\"a\tb\":{}}", 0), "control character");
    }

    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return write(name + ".safetensors", b.array());
    }

    @Test
    void safetensorsNamesWithEscapesAndUnicodeReadAsJsonSaysAndOtherMembersAreSkipped() throws Exception {
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"n\":[1,{\"x\":null}]},"
                + "\"caf\u00e9.w\\u00e9\\\"q\\n\":{\"dtype\":\"U8\",\"shape\":[1],\"extra\":{\"k\":[true,false,-1.5e3]},\"data_offsets\":[0,1]}}";
        try (io.weightbench.checkpoint.Checkpoint c = Formats.standard().open(safetensors("names", header, 1))) {
            assertThat(c.tensors()).extracting(io.weightbench.checkpoint.TensorEntry::key).containsExactly("caf\u00e9.w\u00e9\"q\n");
            assertThat(c.metadata()).containsEntry("format", "pt").containsEntry("n", "(not a string)");
        }
    }

    @Test
    void nonCheckpointsAreNamedForWhatTheyAre() throws IOException {
        assertRefused(write("notes.pt", "just some notes\n".repeat(20).getBytes(StandardCharsets.UTF_8)), "looks like a text file");
        byte[] hdf5 = new byte[64];
        System.arraycopy(new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 0, hdf5, 0, 8);
        assertRefused(write("w.h5", hdf5), "HDF5");
        assertRefused(write("empty.pt", new byte[0]), "empty");
        assertRefused(dir.resolve("missing.pt"), "no such file");
        assertRefused(dir, "folder");
    }

    @Test
    void hostilePickleInsideATorchZipIsListedNotRun() throws IOException {
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("hostile.pt"))) {
            assertThat(c.tensors()).hasSize(1);
            assertThat(CanonicalBytes.sha256(c.tensors().get(0).data())).hasSize(64);
            assertThat(c.objects()).anyMatch(o -> o.type().equals("posix.system") && o.summary().contains("echo this must never run"));
            assertThat(c.warnings()).anyMatch(w -> w.contains("posix.system") && w.contains("never runs"));
        }
    }

    @Test
    void exponentiallySharedPickleStopsWithAWarning() throws IOException {
        // l0 = []; l_i = [l_{i-1}, l_{i-1}] for i < 40: 2^40 paths through 40 lists
        java.io.ByteArrayOutputStream s = new java.io.ByteArrayOutputStream();
        s.writeBytes(new byte[] {(byte) 0x80, 2, ']', 'q', 0});
        for (int i = 1; i < 40; i++) s.writeBytes(new byte[] {']', '(', 'h', (byte) (i - 1), 'h', (byte) (i - 1), 'e', 'q', (byte) i});
        s.write('.');
        try (Checkpoint c = Formats.standard().open(write("laughs.pkl", s.toByteArray()))) {
            assertThat(c.warnings()).anyMatch(w -> w.contains("listing stopped"));
        }
    }

    @Test
    void deeplyNestedPickleStopsWithAWarning() throws IOException {
        java.io.ByteArrayOutputStream s = new java.io.ByteArrayOutputStream();
        s.writeBytes(new byte[] {(byte) 0x80, 2});
        s.writeBytes("]".repeat(50_000).getBytes(StandardCharsets.US_ASCII));
        s.writeBytes("a".repeat(49_999).getBytes(StandardCharsets.US_ASCII));
        s.write('.');
        try (Checkpoint c = Formats.standard().open(write("deep.pkl", s.toByteArray()))) {
            assertThat(c.warnings()).anyMatch(w -> w.contains("nested deeper than"));
        }
    }

    @Test
    void brokenLegacyTorchScriptIsRefusedWithAClearMessage() throws IOException {
        Path p = dir.resolve("old.pt");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("foo/model.json"));
            zip.write("{\"protoVersion\": \"6\"}".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        assertRefused(p, "model.json has no mainModule");
    }

    private static int lastIndexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = hay.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
