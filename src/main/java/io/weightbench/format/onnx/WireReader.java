package io.weightbench.format.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads one protobuf message that lies in a region of a file, field by field, knowing where in the
 * file each field's value lies. Length-delimited values are skipped (or kept, bounded) rather than
 * copied, so a message holding gigabytes of tensor bytes is walked in time and memory that depend
 * on its number of fields only. Every length is checked against the region before it is trusted.
 */
final class WireReader {

    /** A protobuf message is at most 2 GiB; so is every region this reader walks. */
    static final long MAX_REGION = Integer.MAX_VALUE;

    private final ByteSource file;
    private final long base;
    private final long end;
    private final CodedInputStream in;
    private int tag;
    private long tagStart;

    /** Messages up to this long (nodes, small tensors) are read into memory in one read and walked there. */
    static final int HELD = 16 * 1024;

    private final byte[] held;

    private WireReader(ByteSource file, long base, long length) throws IOException {
        this.file = file;
        this.base = base;
        this.tagStart = base;
        this.end = base + length;
        if (length <= HELD) {
            held = new byte[(int) length];
            file.read(base, held, 0, held.length);
            this.in = CodedInputStream.newInstance(held);
        } else {
            held = null;
            // Small: only tags, varints and lengths are read through the buffer (values are skipped or
            // read from the file directly), and a large buffer would read into every tensor's bytes.
            this.in = CodedInputStream.newInstance(new RegionStream(file, base, end), 256);
        }
        // Nothing is parsed recursively through this stream; the limit below is only a backstop.
        this.in.setSizeLimit(Integer.MAX_VALUE);
    }

    /** A reader of the message that fills {@code span} of {@code file}. */
    static WireReader of(ByteSource file, Span span) throws IOException {
        if (span.offset() < 0 || span.length() < 0 || span.length() > MAX_REGION || span.end() > file.size()) {
            throw new FormatException("a protobuf message at offset " + span.offset() + " (" + span.length()
                    + " bytes) does not fit in the file (" + file.size() + " bytes)");
        }
        return new WireReader(file, span.offset(), span.length());
    }

    /** The bytes of a (small, already bounded) region inside this message: from memory when it is held. */
    byte[] bytes(Span s) throws IOException {
        if (held != null && s.offset() >= base && s.end() <= end) {
            int from = (int) (s.offset() - base);
            return java.util.Arrays.copyOfRange(held, from, from + Math.toIntExact(s.length()));
        }
        return bytes(file, s);
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() throws FormatException {
        try {
            tagStart = position();
            if (in.isAtEnd()) return false;
            tag = in.readTag();
        } catch (IOException e) {
            throw malformed(e);
        }
        int type = WireFormat.getTagWireType(tag);
        if (type == WireFormat.WIRETYPE_START_GROUP || type == WireFormat.WIRETYPE_END_GROUP) {
            throw new FormatException("a protobuf group (field " + field() + ") at offset " + tagStart
                    + ": ONNX files never use groups; the file is corrupt or not ONNX");
        }
        if (type > WireFormat.WIRETYPE_FIXED32) {
            throw new FormatException("an invalid protobuf wire type " + type + " at offset " + tagStart);
        }
        return true;
    }

    /** Whether the whole region has been read (for a packed run of values). */
    boolean atEnd() throws FormatException {
        try {
            return in.isAtEnd();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** Whether the current tag was written in its shortest form, as every protobuf writer writes it. */
    boolean tagIsMinimal() {
        return position() - tagStart == CodedOutputStream.computeUInt32SizeNoTag(tag);
    }

    int field() { return WireFormat.getTagFieldNumber(tag); }

    int wireType() { return WireFormat.getTagWireType(tag); }

    /** Where the current field's tag begins in the file. */
    long tagStart() { return tagStart; }

    /** The current position in the file. */
    long position() { return base + in.getTotalBytesRead(); }

    /** Fails unless the current field has the wire type {@code expected}; {@code what} names it. */
    void expect(int expected, String what) throws FormatException {
        if (wireType() != expected) {
            throw new FormatException(what + " (field " + field() + ") at offset " + tagStart + " has wire type "
                    + wireType() + " where " + expected + " belongs");
        }
    }

    long varint() throws FormatException {
        try {
            return in.readRawVarint64();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    int fixed32() throws FormatException {
        try {
            return in.readRawLittleEndian32();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    long fixed64() throws FormatException {
        try {
            return in.readRawLittleEndian64();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** The current length-delimited field's value, as a region of the file (skipped, not read). */
    Span span() throws FormatException {
        try {
            long len = in.readRawVarint64();
            long at = position();
            if (len < 0 || len > end - at) {
                throw new FormatException("a field " + field() + " at offset " + tagStart + " claims " + Long.toUnsignedString(len)
                        + " bytes, past the end of its message at offset " + end + " (truncated or corrupt)");
            }
            in.skipRawBytes((int) len);
            return new Span(at, len);
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /**
     * The current length-delimited field's value as it claims to be, not checked against the
     * message's end and not skipped: for recognising a file that may be truncated.
     */
    Span claimedSpan() throws FormatException {
        try {
            long len = in.readRawVarint64();
            return new Span(position(), len);
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** Skips the current field's value, whatever its wire type. */
    void skip() throws FormatException {
        switch (wireType()) {
            case WireFormat.WIRETYPE_VARINT -> varint();
            case WireFormat.WIRETYPE_FIXED64 -> fixed64();
            case WireFormat.WIRETYPE_FIXED32 -> fixed32();
            default -> span();
        }
    }

    /**
     * Copies the current field (tag and value) to {@code out}: for the small fields of a message
     * parsed afterwards with the generated classes. A length-delimited value longer than
     * {@code maxBytes} is refused.
     */
    void copyTo(CodedOutputStream out, int maxBytes) throws IOException {
        out.writeUInt32NoTag(tag);
        switch (wireType()) {
            case WireFormat.WIRETYPE_VARINT -> out.writeUInt64NoTag(varint());
            case WireFormat.WIRETYPE_FIXED64 -> out.writeFixed64NoTag(fixed64());
            case WireFormat.WIRETYPE_FIXED32 -> out.writeFixed32NoTag(fixed32());
            default -> {
                Span s = span();
                if (s.length() > maxBytes) {
                    throw new FormatException("a field " + field() + " of " + s.length() + " bytes at offset " + s.offset()
                            + " is longer than the " + maxBytes + " bytes this reader takes for names and small values there");
                }
                out.writeUInt32NoTag((int) s.length());
                out.writeRawBytes(bytes(s));
            }
        }
    }

    /** The bytes of a (small, already bounded) region of the file. */
    static byte[] bytes(ByteSource file, Span s) throws IOException {
        byte[] b = new byte[Math.toIntExact(s.length())];
        file.read(s.offset(), b, 0, b.length);
        return b;
    }

    /**
     * A string field's text, cut to at most {@code maxChars} characters (long doc strings are only
     * shown abbreviated, so only their start is read).
     */
    static String text(ByteSource file, Span s, int maxChars) throws IOException {
        int n = (int) Math.min(s.length(), (long) maxChars * 4);
        byte[] b = new byte[n];
        file.read(s.offset(), b, 0, n);
        String t = new String(b, StandardCharsets.UTF_8);
        if (t.length() > maxChars || n < s.length()) {
            t = t.substring(0, Math.min(t.length(), maxChars)) + "... (" + s.length() + " bytes)";
        }
        return t;
    }

    private FormatException malformed(IOException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        if (why.length() > 160) why = why.substring(0, 160) + "...";
        return new FormatException("malformed protobuf near offset " + tagStart + ": " + why);
    }

    /** The region's bytes as a stream; skipping moves a position, it reads nothing. */
    private static final class RegionStream extends InputStream {
        private final ByteSource file;
        private long pos;
        private final long end;

        RegionStream(ByteSource file, long pos, long end) {
            this.file = file;
            this.pos = pos;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            if (pos >= end) return -1;
            byte[] one = new byte[1];
            file.read(pos++, one, 0, 1);
            return one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos >= end) return -1;
            int n = (int) Math.min(len, end - pos);
            file.read(pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, end - pos));
            pos += k;
            return k;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - pos);
        }
    }
}
