package nst.convert;

import nst.engine.WeightsException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The weights formats the converter reads, recognised from a file's first bytes, never from its name:
 * zip magic (PyTorch ≥ 1.6), a pickle PROTO opcode (PyTorch legacy), "ustar" at byte 257 (the tar container
 * of PyTorch &lt; 0.1.10), the HDF5 signature (Keras, at 0 or
 * a power-of-two user-block offset), the "MATLAB 5.0" text header (MatConvNet); anything else is tried
 * as a Caffe protobuf. Leaves out MAT v7.3 (HDF5-based) files, which are refused with advice.
 */
public enum Format {
    PYTORCH_ZIP("PyTorch zip container"),
    PYTORCH_LEGACY("PyTorch legacy container"),
    PYTORCH_TAR("PyTorch tar container (torch < 0.1.10)"),
    KERAS_HDF5("Keras HDF5"),
    MATCONVNET("MatConvNet MAT v5"),
    CAFFE("Caffe protobuf");

    private final String description;

    Format(String description) { this.description = description; }

    public String description() { return description; }

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    public static Format detect(Path file) {
        if (!Files.exists(file)) throw new WeightsException("file not found: " + file);
        if (Files.isDirectory(file)) throw new WeightsException(file + " is a directory, not a weights file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new WeightsException(file + ": empty file");
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 512));
            TorchReader.readFully(ch, head, 0);
            byte[] b = head.array();
            if (startsWith(b, new byte[] {'P', 'K', 3, 4})) return PYTORCH_ZIP;
            if ((b[0] & 0xff) == 0x80 && b.length > 1 && b[1] >= 2 && b[1] <= 5) return PYTORCH_LEGACY;
            if (b.length >= 262 && new String(b, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) return PYTORCH_TAR;
            String text = new String(b, 0, Math.min(b.length, 20), StandardCharsets.ISO_8859_1);
            if (text.startsWith("MATLAB 5.0")) return MATCONVNET;
            if (text.startsWith("MATLAB 7.3"))
                throw new WeightsException(file + ": a MAT v7.3 (HDF5-based) file; re-save it in MATLAB with save(..., '-v7') and convert that");
            for (long off = 0; off + 8 <= size && off <= (1L << 24); off = off == 0 ? 512 : off * 2) {
                ByteBuffer sig = ByteBuffer.allocate(8);
                TorchReader.readFully(ch, sig, off);
                if (startsWith(sig.array(), HDF5)) return KERAS_HDF5;
            }
            return CAFFE;
        } catch (NoSuchFileException e) {
            throw new WeightsException("file not found: " + file);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[i] != prefix[i]) return false;
        return true;
    }

    /** Reads the file's VGG conv layers in this format. */
    public SourceModel read(Path file, String requestedArch) {
        return switch (this) {
            case PYTORCH_ZIP -> TorchReader.read(file, true, requestedArch);
            case PYTORCH_LEGACY -> TorchReader.read(file, false, requestedArch);
            case PYTORCH_TAR -> TorchReader.read(file, TorchReader.Container.TAR, requestedArch);
            case KERAS_HDF5 -> KerasReader.read(file, requestedArch);
            case MATCONVNET -> MatConvNetReader.read(file, requestedArch);
            case CAFFE -> CaffeReader.read(file, requestedArch);
        };
    }
}
