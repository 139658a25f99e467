package io.weightbench.format;

import java.util.Optional;

/**
 * Formats that are recognised but not read, so the user learns what the file is rather than that
 * it is unknown.
 */
final class RefusedFormats implements CheckpointReader {

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    @Override
    public Optional<Opener> probe(Probe probe) {
        String why = describe(probe);
        if (why == null) return Optional.empty();
        return Optional.of(formats -> {
            throw new FormatException(why);
        });
    }

    private static String describe(Probe probe) {
        if (probe.startsWith(HDF5)) return "is an HDF5 file (Keras / h5py weights), not a format Weightbench reads";
        if (probe.startsWith((byte) 'G', (byte) 'G', (byte) 'U', (byte) 'F')) return "is a GGUF file (llama.cpp), not a format Weightbench reads";
        if (probe.headByte(257) == 'u' && probe.headByte(258) == 's' && probe.headByte(259) == 't'
                && probe.headByte(260) == 'a' && probe.headByte(261) == 'r') {
            return "is a tar archive (torch's pre-0.1.10 tar format is not read; re-save with a current torch)";
        }
        if (probe.startsWith((byte) 'P', (byte) 'K')) {
            return "is a zip archive without data.pkl, .npy entries or model.json: not a torch, TorchScript or npz file";
        }
        return null;
    }
}
