package nst.app;

import nst.engine.NstException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The images that {@code nst batch}'s --content and --style name: a file is itself, a folder is the images directly
 * in it (by extension, sorted by name), anything else with a glob character ({@code * ? [ {}) is a glob the shell did
 * not expand, matched here relative to the current directory (or absolutely, if it is absolute). Leaves out recursion
 * into folders ({@code **} in a glob does it, at most {@value #MAX_GLOB_DEPTH} folders deep).
 */
final class BatchInputs {
    static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");
    static final int MAX_GLOB_DEPTH = 16;

    private BatchInputs() {}

    /** The images the arguments name, in order, each once; {@code flag} names the option in errors. */
    static List<Path> expand(List<String> args, String flag) {
        Set<Path> found = new LinkedHashSet<>();
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) found.addAll(imagesIn(p, flag));
            else if (Files.isRegularFile(p)) found.add(p);
            else if (isGlob(a)) {
                List<Path> matched = glob(a);
                if (matched.isEmpty()) throw new NstException(flag + ": no image matches " + a);
                found.addAll(matched);
            } else throw new NstException(flag + ": " + a + ": no such file or directory");
        }
        return new ArrayList<>(found);
    }

    static boolean isGlob(String s) {
        return s.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0);
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static List<Path> imagesIn(Path dir, String flag) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(Files::isRegularFile).filter(BatchInputs::isImage).sorted().toList();
            if (l.isEmpty()) throw new NstException(flag + ": no image (" + String.join(" ", IMAGE_EXTENSIONS) + ") in folder " + dir);
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The image files a glob matches, sorted: the walk starts at the folder before the first glob character and goes
     * as deep as the glob has folders (or {@value #MAX_GLOB_DEPTH} with {@code **}).
     */
    private static List<Path> glob(String glob) {
        int firstWild = 0;
        while (firstWild < glob.length() && !isGlob(String.valueOf(glob.charAt(firstWild)))) firstWild++;
        int cut = glob.lastIndexOf('/', firstWild);
        Path base = cut < 0 ? Path.of("") : Path.of(cut == 0 ? "/" : glob.substring(0, cut));
        String rest = cut < 0 ? glob : glob.substring(cut + 1);
        int depth = rest.contains("**") ? MAX_GLOB_DEPTH : (int) rest.chars().filter(ch -> ch == '/').count() + 1;
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        Path walkFrom = base.toString().isEmpty() ? Path.of(".") : base;
        if (!Files.isDirectory(walkFrom)) return List.of();
        try (Stream<Path> s = Files.walk(walkFrom, depth)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> base.resolve(walkFrom.relativize(p)))      // as the glob spells it: relative or absolute
                    .filter(m::matches).filter(BatchInputs::isImage).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
