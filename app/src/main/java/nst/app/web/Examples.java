package nst.app.web;

import nst.engine.image.Image;
import nst.engine.image.Images;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The example images bundled in the jar (/nst/examples/*.jpg, from the repo's examples/ folder), by name
 * without extension. Leaves out listing the classpath: the names are fixed here and checked on use.
 */
public final class Examples {
    private Examples() {}

    /** Content photo first, then the paintings. */
    public static final List<String> NAMES = List.of("tubingen", "starry_night", "the_scream", "shipwreck", "woman-with-hat-matisse");

    private static final Map<String, Image> DECODED = new ConcurrentHashMap<>();

    static String normalise(String name) {
        String n = name.trim();
        if (n.endsWith(".jpg")) n = n.substring(0, n.length() - 4);
        if (!NAMES.contains(n)) throw new ApiError(404, "no bundled example '" + name + "'; known: " + String.join(", ", NAMES));
        return n;
    }

    /** The JPEG bytes of a bundled example. */
    public static byte[] bytes(String name) {
        String n = normalise(name);
        try (InputStream in = Examples.class.getResourceAsStream("/nst/examples/" + n + ".jpg")) {
            if (in == null) throw new ApiError(404, "bundled example '" + n + "' is missing from this build");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bundled example, decoded once. */
    public static Image image(String name) {
        String n = normalise(name);
        return DECODED.computeIfAbsent(n, k -> Images.decode(bytes(k), k + ".jpg"));
    }
}
