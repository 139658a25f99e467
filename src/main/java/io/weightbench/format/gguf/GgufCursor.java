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
 */
final class GgufCursor {

    private static final int WINDOW = 64 * 1024;

    private final ByteSource file;
    private final long size;
    private final ByteOrder order;
    private final byte[] window = new byte[WINDOW];
    private final ByteBuffer view;
    private long windowStart;
    private int windowLength;
    private long pos;

    GgufCursor(ByteSource file, ByteOrder order, long pos) {
        this.file = file;
        this.size = file.size();
        this.order = order;
        this.view = ByteBuffer.wrap(window).order(order);
        this.pos = pos;
    }

    ByteOrder order() { return order; }

    long position() { return pos; }

    /** Bytes left between the position and the end of the file. */
    long remaining() { return size - pos; }

    /** Fails unless {@code n} more bytes exist; {@code what} names the field for the message. */
    void require(long n, String what) throws FormatException {
        if (n < 0 || n > size - pos) {
            throw new FormatException("the GGUF header ends early: " + what + " at offset " + pos + " needs "
                    + (n < 0 ? Long.toUnsignedString(n) : Long.toString(n)) + " bytes but the file has " + (size - pos) + " left");
        }
    }

    void skip(long n, String what) throws FormatException {
        require(n, what);
        pos += n;
    }

    /**
     * As {@link #skip(long, String)} for the walk over a long array: the message ({@code what}
     * and the key quoted) is built only if the bytes are not there.
     */
    void skip(long n, String what, String key) throws FormatException {
        if (n < 0 || n > size - pos) require(n, what + " '" + key + "'");
        pos += n;
    }

    /** As {@link #u32(String)}, the message built only on failure. */
    int u32(String what, String key) throws IOException {
        if (size - pos < 4) require(4, what + " '" + key + "'");
        return u32(what);
    }

    /** As {@link #u64(String)}, the message built only on failure. */
    long u64(String what, String key) throws IOException {
        if (size - pos < 8) require(8, what + " '" + key + "'");
        return u64(what);
    }

    int u8(String what) throws IOException {
        return window[at(1, what)] & 0xff;
    }

    int u32(String what) throws IOException {
        return view.getInt(at(4, what));
    }

    long u64(String what) throws IOException {
        return view.getLong(at(8, what));
    }

    short i16(String what) throws IOException {
        return view.getShort(at(2, what));
    }

    float f32(String what) throws IOException {
        return view.getFloat(at(4, what));
    }

    double f64(String what) throws IOException {
        return view.getDouble(at(8, what));
    }

    /** {@code n} bytes (the caller bounds {@code n}). */
    byte[] bytes(int n, String what) throws IOException {
        byte[] out = new byte[n];
        if (n <= WINDOW) {
            System.arraycopy(window, at(n, what), out, 0, n);
            return out;
        }
        require(n, what);
        file.read(pos, out, 0, n);
        pos += n;
        return out;
    }

    /**
     * A GGUF string (u64 length, UTF-8 bytes): the first {@code keep} bytes decoded (malformed
     * UTF-8 replaced), the rest skipped.
     */
    Text string(long keep, String what) throws IOException {
        long length = u64(what + " length");
        require(length, what + " of " + Long.toUnsignedString(length) + " bytes");
        int n = (int) Math.min(length, keep);
        String s = new String(bytes(n, what), StandardCharsets.UTF_8);
        pos += length - n;
        return new Text(s, length, n < length);
    }

    /** A string read from the file: {@code length} is its full length in bytes; {@code cut} if only its start was kept. */
    record Text(String value, long length, boolean cut) {}

    /** The window index of {@code n} bytes at the position, which then moves past them. */
    private int at(int n, String what) throws IOException {
        require(n, what);
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
