package io.weightbench.export;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32;

/**
 * The CRC-32 of a region of a file just written, read back from the page cache. Through short-lived
 * memory mappings: the checksum reads the cached pages in place, without first copying every byte
 * into the process (half the memory traffic of positional reads, on the core the export shares with
 * the kernel's copy and write-back). Each window is unmapped as soon as it is summed, so resident
 * memory stays one window however large the file. Where the JVM cannot unmap on demand
 * ({@code sun.misc.Unsafe.invokeCleaner}, in every JDK since 9), positional reads instead.
 */
final class ReadBack {

    static final long WINDOW = 64L << 20;

    private static final MethodHandle UNMAP = unmapper();

    private final long window;
    private final boolean mapped;
    private ByteBuffer buffer;

    ReadBack() {
        this(WINDOW, UNMAP != null);
    }

    /** @param mapped read through mappings of at most {@code window} bytes (needs the unmapper), else positional reads */
    ReadBack(long window, boolean mapped) {
        if (mapped && UNMAP == null) throw new IllegalStateException("this JVM cannot unmap on demand");
        this.window = window;
        this.mapped = mapped;
    }

    /** True when this JVM lets mappings be unmapped on demand (the default reader then maps). */
    static boolean canUnmap() { return UNMAP != null; }

    long crc32(FileChannel ch, long start, long size) throws IOException {
        CRC32 crc = new CRC32();
        long end = start + size;
        if (mapped) {
            for (long p = start; p < end; p += window) {
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, p, Math.min(window, end - p));
                try {
                    crc.update(m);
                } finally {
                    unmap(m);
                }
            }
            return crc.getValue();
        }
        if (buffer == null) buffer = ByteBuffer.allocateDirect(1 << 20);
        for (long p = start; p < end; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - p));
            int n = ch.read(buffer, p);
            if (n < 0) throw new IOException("the file ended at offset " + p + " while reading it back");
            buffer.flip();
            crc.update(buffer);
            p += n;
        }
        return crc.getValue();
    }

    private static void unmap(MappedByteBuffer m) throws IOException {
        try {
            UNMAP.invokeExact((ByteBuffer) m);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("cannot unmap a read-back window: " + e, e);
        }
    }

    private static MethodHandle unmapper() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
