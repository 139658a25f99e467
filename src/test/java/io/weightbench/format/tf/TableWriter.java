package io.weightbench.format.tf;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** Writes small leveldb tables for tests: one stored data block, every key a restart point. */
final class TableWriter {

    private TableWriter() {}

    static byte[] table(List<LevelDbTable.Entry> sorted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream restarts = new ByteArrayOutputStream();
        for (LevelDbTable.Entry e : sorted) {
            int32(restarts, data.size());
            varint(data, 0);
            varint(data, e.key().length);
            varint(data, e.value().length);
            data.writeBytes(e.key());
            data.writeBytes(e.value());
        }
        if (sorted.isEmpty()) int32(restarts, 0);
        byte[] handleData = put(out, block(data, restarts, Math.max(1, sorted.size())));
        ByteArrayOutputStream index = new ByteArrayOutputStream();
        ByteArrayOutputStream indexRestarts = new ByteArrayOutputStream();
        byte[] last = sorted.isEmpty() ? new byte[0] : sorted.get(sorted.size() - 1).key();
        int32(indexRestarts, 0);
        varint(index, 0);
        varint(index, last.length);
        varint(index, handleData.length);
        index.writeBytes(last);
        index.writeBytes(handleData);
        byte[] handleIndex = put(out, block(index, indexRestarts, 1));
        ByteArrayOutputStream meta = new ByteArrayOutputStream();
        int32(meta, 0);
        byte[] handleMeta = put(out, block(new ByteArrayOutputStream(), meta, 1));
        byte[] footer = new byte[48];
        System.arraycopy(handleMeta, 0, footer, 0, handleMeta.length);
        System.arraycopy(handleIndex, 0, footer, handleMeta.length, handleIndex.length);
        long magic = LevelDbTable.MAGIC;
        for (int i = 0; i < 8; i++) footer[40 + i] = (byte) (magic >>> (8 * i));
        out.writeBytes(footer);
        return out.toByteArray();
    }

    private static byte[] block(ByteArrayOutputStream entries, ByteArrayOutputStream restarts, int count) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(entries.toByteArray());
        b.writeBytes(restarts.toByteArray());
        int32(b, count);
        return b.toByteArray();
    }

    /** Appends a stored block with its trailer; returns its handle. */
    private static byte[] put(ByteArrayOutputStream out, byte[] block) {
        ByteArrayOutputStream handle = new ByteArrayOutputStream();
        varint(handle, out.size());
        varint(handle, block.length);
        out.writeBytes(block);
        byte[] withType = java.util.Arrays.copyOf(block, block.length + 1);
        out.write(0);
        int32(out, MaskedCrc.mask(MaskedCrc.of(withType, 0, withType.length)));
        return handle.toByteArray();
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while (v >= 0x80) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void int32(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
    }
}
