package nst.app;

import nst.engine.image.Images;
import nst.engine.NstException;
import nst.engine.TransferOption;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code nst stylize --like IMAGE.png}: the options recorded in an nst PNG ("nst:options"), less what a picture
 * must not choose. A PNG is untrusted input, so it takes only the options that shape the picture (the option
 * catalogue's {@link TransferOption.Kind#PICTURE}); never output paths (a recorded --loss-log would overwrite
 * any file) or machine settings (threads, backend, memory budget: this machine's business). Recorded input files
 * (content, style, mask, initial image, a weights file) are taken only when they are regular files of a bounded
 * size: a recorded --content /dev/zero would read until memory runs out. What it leaves out, {@link #notice}
 * says in one line. Leaves out running the transfer ({@link StylizeCommand}).
 */
final class LikeOptions {
    /** Largest recorded image file taken (a 100-megapixel 16-bit PNG fits). */
    static final long MAX_IMAGE_BYTES = 256L << 20;
    /** Largest recorded weights file taken (VGG19 in float32 is 548 MB). */
    static final long MAX_WEIGHTS_BYTES = 2L << 30;
    /** The flags of stylize itself that a picture may not set, with the reason the notice gives. */
    private static final Map<String, String> OWN_FLAGS = Map.of("--out", "an output path", "-o", "an output path",
            "--like", "not about the picture", "--quiet", "not about the picture");
    private static final Set<String> OWN_FLAGS_WITH_VALUE = Set.of("--out", "-o", "--like");
    /** The command line's alias of --preserve-colors luminance: it shapes the picture. */
    private static final String ORIGINAL_COLORS = "--original-colors";

    private LikeOptions() {}

    /** The recorded words taken and what was left out ("--threads 1 (a machine setting)"). */
    record Recorded(List<String> kept, List<String> ignored) {
        /** One line naming what was ignored, for stderr. */
        String notice(Path png) {
            return "--like: ignored from " + png.getFileName() + ": " + String.join(", ", ignored)
                    + "; give such options on the command line";
        }
    }

    /**
     * Reads and filters the "nst:options" of an nst PNG; a file that is not one is an NstException naming it.
     * @param given the flags given on this command line: their recorded values are dropped without a notice
     */
    static Recorded read(Path png, Set<String> given) {
        Map<String, String> text;
        try {
            text = Images.readPngText(png);
        } catch (NstException e) {
            throw e;
        } catch (IOException | RuntimeException e) {          // the PNG decoder's own complaints about a broken file
            throw new NstException("--like: cannot read the metadata of " + png + ": " + printable(String.valueOf(e.getMessage())));
        }
        String recorded = text.get("nst:options");
        if (recorded == null)
            throw new NstException("--like: " + png + " has no nst:options metadata (it was not written by nst stylize)");
        return filter(ShellWords.split(recorded), given);
    }

    /** Keeps the recorded options that shape the picture and the input files that are plain files; lists the rest. */
    static Recorded filter(List<String> words, Set<String> given) {
        List<String> kept = new ArrayList<>(), ignored = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String tok = words.get(i);
            TransferOption o = option(tok);
            if (o == null && !OWN_FLAGS.containsKey(tok) && !tok.equals(ORIGINAL_COLORS))
                throw new NstException("--like: the recorded options name an unknown option " + printable(tok) + " (written by another nst version?)");
            boolean takesValue = o != null ? o.type() != TransferOption.Type.FLAG : OWN_FLAGS_WITH_VALUE.contains(tok);
            if (takesValue && i + 1 >= words.size()) throw new NstException("--like: the recorded option " + printable(tok) + " has no value");
            String value = takesValue ? words.get(++i) : null;
            if (given.contains(tok)) continue;                 // this command line's value wins
            String refusal = o != null ? refusal(o, value) : OWN_FLAGS.get(tok);
            if (refusal == null) {
                kept.add(tok);
                if (takesValue) kept.add(value);
            } else {
                ignored.add(tok + (takesValue ? " " + printable(value) : "") + " (" + refusal + ")");
            }
        }
        return new Recorded(List.copyOf(kept), List.copyOf(ignored));
    }

    /** Every spelling of the options matched on a command line: names, and the negated form of a switch. */
    static Set<String> flags(CommandLine.ParseResult parsed) {
        Set<String> names = new HashSet<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            names.addAll(List.of(o.names()));
            if (o.negatable()) for (String n : o.names()) if (n.startsWith("--")) names.add("--no-" + n.substring(2));
        }
        return names;
    }

    /** The catalogue option a recorded word names, as a flag or the negated flag of a switch; null when none. */
    private static TransferOption option(String tok) {
        for (TransferOption o : TransferOption.values()) {
            if (o.flag().equals(tok)) return o;
            if (o.type() == TransferOption.Type.FLAG && ("--no-" + o.id()).equals(tok)) return o;
        }
        return null;
    }

    /** Why a recorded option is not taken, or null when it is. */
    static String refusal(TransferOption o, String value) {
        return switch (o.kind()) {
            case OUTPUT -> "an output path";
            case MACHINE -> "a machine setting";
            case INPUT -> fileProblem(value, MAX_IMAGE_BYTES);
            case PICTURE -> o == TransferOption.WEIGHTS && !value.equals("random") && !value.equals("auto")
                    ? fileProblem(value, MAX_WEIGHTS_BYTES) : null;
        };
    }

    /** Null for a regular file (links followed) of at most {@code limit} bytes; otherwise what is wrong with it. */
    static String fileProblem(String name, long limit) {
        try {
            Path p = Path.of(name);
            if (!Files.isRegularFile(p)) return Files.exists(p) ? "not a regular file" : "no such file";
            long size = Files.size(p);
            return size > limit ? "larger than " + (limit >> 20) + " MB" : null;
        } catch (IOException | RuntimeException e) {              // an invalid path, or one we may not look at
            return "not a readable file";
        }
    }

    /**
     * The command line to run: the recorded words taken, less the options given on this command line, then this
     * command line's own arguments (less --like).
     */
    static List<String> merge(CommandSpec spec, List<String> recorded, CommandLine.ParseResult given) {
        Set<OptionSpec> explicit = new HashSet<>(given.matchedOptions());
        List<String> merged = new ArrayList<>();
        for (int i = 0; i < recorded.size(); i++) {
            String tok = recorded.get(i);
            OptionSpec o = spec.findOption(tok);
            if (o == null && tok.startsWith("--no-")) {          // the negated form of a negatable flag
                OptionSpec n = spec.findOption("--" + tok.substring(5));
                if (n != null && n.negatable()) o = n;
            }
            if (o == null) throw new NstException("--like: stylize has no option " + printable(tok));
            boolean takesValue = o.arity().max() > 0 && !o.type().equals(boolean.class) && !o.type().equals(Boolean.class);
            if (!explicit.contains(o)) {
                merged.add(tok);
                if (takesValue) merged.add(recorded.get(i + 1));
            }
            if (takesValue) i++;
        }
        List<String> own = given.originalArgs();
        int from = 0;
        if (spec.parent() != null) {               // the whole command line: skip up to this subcommand's name
            from = own.indexOf(spec.name()) + 1;
            if (from == 0) throw new IllegalStateException("subcommand " + spec.name() + " not in " + own);
        }
        for (int i = from; i < own.size(); i++) {
            String tok = own.get(i);
            if (tok.equals("--like")) { i++; continue; }
            if (tok.startsWith("--like=")) continue;
            merged.add(tok);
        }
        return merged;
    }

    /** Text from a file, safe to print on one terminal line: no control characters, at most 80 characters. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return s.codePointCount(0, s.length()) > 80 ? b + "…" : b.toString();
    }
}
