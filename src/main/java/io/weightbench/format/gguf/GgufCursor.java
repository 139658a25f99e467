package io.weightbench.format.gguf;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads a GGUF header front to back in the file's byte order, through a 64 KiB window so that
 * walking tens of thousands of small fields (a tokenizer's strings) costs a handful of file reads.
 * Every read is checked against the end of the file first: a count or length that the file cannot
 * hold is refused before anything is allocated.
 *
 * <p>Each read names what it reads ({@code what}, and the key or tensor it belongs to, or null)
 * for the message if the bytes are not there; the message is built only then, since a header
 * walk reads hundreds of thousands of fields.
 */
final class GgufCursor {

    private static final int WINDOW = 64 * 1024;

    private final ByteSource file;
    private final long size;
    private final byte[] window = new byte[WINDOW];
    private final ByteBuffer view;
    private long windowStart;
    private int windowLength;
    private long pos;

    GgufCursor(ByteSource file, ByteOrder order, long pos) {
        this.file = file;
        this.size = file.size();
        this.view = ByteBuffer.wrap(window).order(order);
        this.pos = pos;
    }

    long position() { return pos; }

    /** Bytes left between the position and the end of the file. */
    long remaining() { return size - pos; }

    /** Fails unless {@code n} (unsigned) more bytes exist. */
    void require(long n, String what, String name) throws FormatException {
        if (n < 0 || n > size - pos) {
            throw new FormatException("the GGUF header ends early: " + what + (name == null ? "" : " " + GgufValues.quoted(name))
                    + " at offset " + pos + " needs " + Long.toUnsignedString(n) + " bytes but the file has " + (size - pos) + " left");
        }
    }

    void skip(long n, String what, String name) throws FormatException {
        require(n, what, name);
        pos += n;
    }

    int u8(String what, String name) throws IOException {
        return window[at(1, what, name)] & 0xff;
    }

    short i16(String what, String name) throws IOException {
        return view.getShort(at(2, what, name));
    }

    int u32(String what, String name) throws IOException {
        return view.getInt(at(4, what, name));
    }

    long u64(String what, String name) throws IOException {
        return view.getLong(at(8, what, name));
    }

    /**
     * A GGUF string (u64 length, UTF-8 bytes): the first {@code keep} bytes decoded (malformed
     * UTF-8 replaced), the rest skipped.
     */
    Text string(long keep, String what, String name) throws IOException {
        long length = u64(what, name);
        require(length, what, name);
        int n = (int) Math.min(length, keep);
        byte[] bytes = new byte[n];
        if (n <= WINDOW) {
            System.arraycopy(window, at(n, what, name), bytes, 0, n);
        } else {
            file.read(pos, bytes, 0, n);
            pos += n;
        }
        pos += length - n;
        return new Text(new String(bytes, StandardCharsets.UTF_8), length, n < length);
    }

    /** A string read from the file: {@code length} is its full length in bytes; {@code cut} if only its start was kept. */
    record Text(String value, long length, boolean cut) {}

    /** The window index of {@code n} bytes at the position, which then moves past them. */
    private int at(int n, String what, String name) throws IOException {
        require(n, what, name);
        if (pos < windowStart || pos + n > windowStart + windowLength) {
            windowStart = pos;
            windowLength = (int) Math.min(WINDOW, size - pos);
            file.read(windowStart, window, 0, windowLength);
        }
        int i = (int) (pos - windowStart);
        pos += n;
        return i;
    }
}
