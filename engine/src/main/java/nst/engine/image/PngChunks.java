package nst.engine.image;

import nst.engine.NstException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The chunk structure of a PNG file, checked before any decoder sees the file: the signature, IHDR first, every
 * chunk's declared length within the bytes that remain, IEND at the end. Also the two things nst reads from the
 * chunks itself: the text entries (tEXt, zTXt, iTXt), inflated under a cap, and the eXIf payload (orientation).
 * Leaves out CRC checks (the JDK's decoder does not check them either) and chunk ordering rules beyond IHDR first.
 */
final class PngChunks {
    /** The most text, keywords and values together, read from one file: nst's own entries are a few KB. */
    static final int MAX_TEXT_BYTES = 1 << 20;
    /** What each text entry costs beyond its characters, so that a million empty chunks also reach the cap. */
    private static final int ENTRY_OVERHEAD = 64;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** Width and height as IHDR declares them (unsigned 32-bit), and where the first eXIf chunk's data lies (-1: none). */
    record Header(long width, long height, int exifOffset, int exifLength) {}

    private final byte[] bytes;
    private final String name;

    private PngChunks(byte[] bytes, String name) {
        this.bytes = bytes;
        this.name = name;
    }

    static boolean isPng(byte[] bytes) {
        return bytes.length >= SIGNATURE.length && Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length);
    }

    /** Checks the whole chunk structure; {@code name} names the file in errors. */
    static Header header(byte[] bytes, String name) {
        long[] ihdr = new long[2];
        int[] exif = {-1, 0};
        new PngChunks(bytes, name).walk((type, offset, length) -> {
            if (offset == SIGNATURE.length + 8) {                     // the first chunk, checked to be a 13-byte IHDR
                ihdr[0] = u32(bytes, offset);
                ihdr[1] = u32(bytes, offset + 4);
            } else if (type.equals("eXIf") && exif[0] < 0) {
                exif[0] = offset;
                exif[1] = length;
            }
        });
        return new Header(ihdr[0], ihdr[1], exif[0], exif[1]);
    }

    /** The text entries (keyword → text) of tEXt, zTXt and iTXt chunks, at most {@link #MAX_TEXT_BYTES} in all. */
    static Map<String, String> text(byte[] bytes, String name) {
        PngChunks png = new PngChunks(bytes, name);
        Map<String, String> out = new LinkedHashMap<>();
        int[] budget = {MAX_TEXT_BYTES};
        png.walk((type, offset, length) -> {
            String[] entry = switch (type) {
                case "tEXt" -> png.tEXt(offset, length);
                case "zTXt" -> png.zTXt(offset, length, budget[0]);
                case "iTXt" -> png.iTXt(offset, length, budget[0]);
                default -> null;
            };
            if (entry == null) return;
            budget[0] -= entry[0].length() + entry[1].length() + ENTRY_OVERHEAD;
            if (budget[0] < 0)
                throw new NstException(name + ": the PNG text chunks hold more than " + (MAX_TEXT_BYTES >> 20) + " MiB of text");
            out.putIfAbsent(entry[0], entry[1]);
        });
        return out;
    }

    @FunctionalInterface
    private interface Visitor {
        /** A chunk whose {@code length} data bytes start at {@code offset}, all within the file. */
        void chunk(String type, int offset, int length);
    }

    private void walk(Visitor visitor) {
        if (!isPng(bytes)) throw new NstException(name + " is not a PNG file (no PNG signature)");
        int pos = SIGNATURE.length;
        boolean first = true;
        while (true) {
            if (bytes.length - pos < 8)
                throw new NstException(name + " is truncated: the PNG ends at byte " + bytes.length + " without an IEND chunk");
            long length = u32(bytes, pos);
            String type = chunkType(pos + 4);
            long remaining = bytes.length - (pos + 8L) - 4;                              // the CRC follows the data
            if (length > remaining)
                throw new NstException(name + ": PNG chunk " + type + " at byte " + pos + " declares " + length
                        + " bytes, but only " + Math.max(0, remaining) + " remain (the file is truncated or corrupt)");
            if (first && !(type.equals("IHDR") && length == 13))
                throw new NstException(name + " is corrupt: a PNG starts with a 13-byte IHDR chunk, this one with " + type);
            first = false;
            visitor.chunk(type, pos + 8, (int) length);
            if (type.equals("IEND")) return;
            pos += 12 + (int) length;
        }
    }

    private String chunkType(int at) {
        for (int i = at; i < at + 4; i++) {
            int c = bytes[i] & 0xff;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                throw new NstException(name + " is corrupt: the PNG chunk at byte " + (at - 4) + " has no valid type (byte " + c + ")");
        }
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- text chunks

    /** tEXt: keyword, NUL, Latin-1 text. */
    private String[] tEXt(int offset, int length) {
        int end = offset + length, nul = keywordEnd("tEXt", offset, end);
        return new String[] {latin1(offset, nul), latin1(nul + 1, end)};
    }

    /** zTXt: keyword, NUL, compression method 0, deflated Latin-1 text. */
    private String[] zTXt(int offset, int length, int budget) {
        int end = offset + length, nul = keywordEnd("zTXt", offset, end);
        String keyword = latin1(offset, nul);
        if (nul + 2 > end) throw new NstException(name + ": PNG zTXt chunk '" + keyword + "' is cut short");
        byte[] text = inflate("zTXt", keyword, nul + 2, end, budget);
        return new String[] {keyword, new String(text, StandardCharsets.ISO_8859_1)};
    }

    /** iTXt: keyword, NUL, compression flag, method, language tag, NUL, translated keyword, NUL, UTF-8 text. */
    private String[] iTXt(int offset, int length, int budget) {
        int end = offset + length, nul = keywordEnd("iTXt", offset, end);
        String keyword = latin1(offset, nul);
        int language = nul + 3;
        int languageEnd = indexOfNul(language, end);
        int translatedEnd = languageEnd < 0 ? -1 : indexOfNul(languageEnd + 1, end);
        if (language > end || translatedEnd < 0) throw new NstException(name + ": PNG iTXt chunk '" + keyword + "' is cut short");
        boolean compressed = bytes[nul + 1] != 0;
        byte[] text = compressed ? inflate("iTXt", keyword, translatedEnd + 1, end, budget)
                : Arrays.copyOfRange(bytes, translatedEnd + 1, end);
        return new String[] {keyword, new String(text, StandardCharsets.UTF_8)};
    }

    /**
     * Where the keyword starting at {@code offset} ends (its NUL): 1 to 79 printable Latin-1 characters, as the PNG
     * specification says, and as messages that quote it need (a newline or an escape sequence would not be one line).
     */
    private int keywordEnd(String type, int offset, int end) {
        int nul = indexOfNul(offset, Math.min(end, offset + 80));
        if (nul < 1 + offset) throw new NstException(name + ": PNG " + type + " chunk at byte " + (offset - 8) + " has no keyword of 1 to 79 characters");
        for (int i = offset; i < nul; i++) {
            int c = bytes[i] & 0xff;
            if (c < 32 || (c > 126 && c < 161))
                throw new NstException(name + ": PNG " + type + " chunk at byte " + (offset - 8) + " has a keyword with an unprintable character (byte " + c + ")");
        }
        return nul;
    }

    private int indexOfNul(int from, int end) {
        for (int i = from; i < end; i++) if (bytes[i] == 0) return i;
        return -1;
    }

    private String latin1(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Inflates bytes[from, to), refusing more than {@code budget} bytes of output before producing them. */
    private byte[] inflate(String type, String keyword, int from, int to, int budget) {
        String chunk = "PNG " + type + " chunk '" + keyword + "'";
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(bytes, from, to - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf, 0, Math.min(buf.length, budget - out.size() + 1));
                if (n == 0 && !inflater.finished())
                    throw new NstException(name + ": " + chunk + " has " + (inflater.needsInput() ? "truncated" : "unsupported") + " compressed text");
                out.write(buf, 0, n);
                if (out.size() > budget)
                    throw new NstException(name + ": " + chunk + " inflates to more than " + (MAX_TEXT_BYTES >> 20) + " MiB of text (nst reads at most that)");
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new NstException(name + ": " + chunk + " has corrupt compressed text (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    static long u32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
    }
}
