package nst.app;

import nst.engine.Controls;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.OptionException;
import nst.engine.StyleOptions;
import nst.engine.TransferOption;
import nst.engine.TransferOption.WeightsKind;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The transfer options of {@code stylize}, {@code demo} and {@code explain}: one picocli flag per entry of the
 * option catalogue ({@link TransferOption}: its name, help and default), added to the command by
 * {@link Flags}; after parsing, {@link #read} keeps the values given on the command line, and
 * {@link #toOptions} hands them to {@link StyleOptions.Builder#set}, which starts from the catalogue's defaults.
 * A command may start from other values ({@code preset}: the demo's quick start) and leave options out.
 * Leaves out the output file (each command has its own) and the command-line-only alias --original-colors.
 */
final class TransferOptions {
    /** A command with transfer options: picocli's model transformer asks it for them. */
    interface Command {
        TransferOptions options();
    }

    /** Adds the catalogue's flags to a command's model (picocli calls it once per command line it builds). */
    static final class Flags implements CommandLine.IModelTransformer {
        @Override public CommandSpec transform(CommandSpec spec) {
            ((Command) spec.userObject()).options().addFlags(spec);
            return spec;
        }
    }

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Option(names = "--original-colors", description = "Same as --preserve-colors luminance (as neural-style's -original_colors 1).")
    boolean originalColors;

    private final Map<TransferOption, String> preset;
    private final Set<TransferOption> taken, required;
    private final Map<TransferOption, List<String>> given = new EnumMap<>(TransferOption.class);

    /** Every catalogue option, none required, the catalogue's defaults. */
    TransferOptions() { this(Map.of(), EnumSet.noneOf(TransferOption.class), EnumSet.noneOf(TransferOption.class)); }

    /**
     * @param preset   the command's own starting values (shown as its defaults)
     * @param left     catalogue options the command does not take
     * @param required catalogue options the command cannot do without
     */
    TransferOptions(Map<TransferOption, String> preset, Set<TransferOption> left, Set<TransferOption> required) {
        this.preset = Map.copyOf(preset);
        this.taken = EnumSet.allOf(TransferOption.class);
        this.taken.removeAll(left);
        this.required = EnumSet.noneOf(TransferOption.class);
        this.required.addAll(required);
    }

    private void addFlags(CommandSpec spec) {
        for (TransferOption o : taken) {
            OptionSpec.Builder b = OptionSpec.builder(o.flag()).description(help(o)).required(required.contains(o));
            if (o.type() == TransferOption.Type.FLAG) b.type(boolean.class).arity("0").negatable(true);
            else if (o.repeatable()) b.type(List.class).auxiliaryTypes(String.class).paramLabel(label(o));
            else b.type(String.class).paramLabel(label(o));
            spec.addOption(b.build());
        }
    }

    /** The catalogue's help, with the default this command starts from. */
    private String help(TransferOption o) {
        String h = vggHelp(o);
        String resnet = TransferOption.defaults("resnet50", WeightsKind.PRETRAINED).get(o),
                resnetRandom = TransferOption.defaults("resnet50", WeightsKind.RANDOM).get(o);
        if (preset.get(o) != null || java.util.Objects.equals(resnet, o.defaultText(WeightsKind.PRETRAINED))
                && java.util.Objects.equals(resnetRandom, o.defaultText(WeightsKind.RANDOM))) return h;
        return h + " With --model resnet50: " + resnet + (java.util.Objects.equals(resnet, resnetRandom) ? "" : " (" + resnetRandom + " with random weights)") + ".";
    }

    private String vggHelp(TransferOption o) {
        String def = preset.get(o);
        if (def == null && o.dependsOnWeights())
            return o.help() + " Default: " + o.defaultText(WeightsKind.PRETRAINED) + " with pretrained weights, "
                    + o.defaultText(WeightsKind.RANDOM) + " with random weights.";
        if (def == null) def = o.defaultText(WeightsKind.PRETRAINED);
        return def == null || o.type() == TransferOption.Type.FLAG ? o.help() : o.help() + " Default: " + def + ".";
    }

    private static String label(TransferOption o) {
        return switch (o.type()) {
            case CHOICE -> String.join("|", o.choices());
            case IMAGE -> "IMAGE";
            case FILE -> "FILE";
            case LAYERS -> "L[:w],...";
            case BYTES -> "BYTES";
            case INTS, NUMBERS -> "N,...";
            default -> o == TransferOption.WEIGHTS ? "PATH|random|auto" : o == TransferOption.BACKEND ? "NAME" : "N";
        };
    }

    /** Keeps the catalogue options matched on the command line (after parsing). */
    TransferOptions read(CommandLine.ParseResult parsed) {
        given.clear();
        for (TransferOption o : taken) {
            if (!parsed.hasMatchedOption(o.flag())) continue;
            var m = parsed.matchedOption(o.flag());
            given.put(o, o.type() == TransferOption.Type.FLAG ? List.of(String.valueOf((Object) m.getValue())) : m.stringValues());
        }
        return this;
    }

    /** Whether the command line gave this option. */
    boolean given(TransferOption o) { return given.containsKey(o); }

    /** The value given for a single-valued option, or null. */
    String value(TransferOption o) {
        List<String> v = given.get(o);
        return v == null ? null : v.get(v.size() - 1);
    }

    /** The files given for an option that names files (content, style, mask, init-image, loss-log): empty when none. */
    List<Path> paths(TransferOption o) {
        List<Path> l = new ArrayList<>();
        for (String s : given.getOrDefault(o, List.of())) l.add(Path.of(s));
        return l;
    }

    /** The options for one transfer: the catalogue's defaults, the command's preset, the values given, and the images. */
    StyleOptions toOptions(Image content, List<Image> styles) {
        StyleOptions.Builder b = StyleOptions.builder().content(content).styles(styles);
        preset.forEach((o, v) -> { if (!given(o)) b.set(o, v); });
        given.forEach((o, values) -> {
            if (o.kind() != TransferOption.Kind.INPUT && o != TransferOption.LOSS_LOG) for (String v : values) b.set(o, v);
        });
        if (originalColors) {
            if (value(TransferOption.PRESERVE_COLORS) != null
                    && Controls.ColorPreservation.of(value(TransferOption.PRESERVE_COLORS)) == Controls.ColorPreservation.HISTOGRAM)
                throw new OptionException("--original-colors (luminance) and {} histogram contradict each other", TransferOption.PRESERVE_COLORS);
            b.preserveColors(Controls.ColorPreservation.LUMINANCE);
        }
        String method = given(TransferOption.METHOD) ? TransferOption.METHOD.parseChoice(value(TransferOption.METHOD))
                : preset.containsKey(TransferOption.METHOD) ? preset.get(TransferOption.METHOD) : TransferOption.METHOD.defaultText(WeightsKind.PRETRAINED);
        for (TransferOption o : given.keySet()) if (!o.appliesTo(method)) throw o.notFor(method);
        if (given(TransferOption.ADAIN_WEIGHTS) && !(given(TransferOption.INIT)
                && StyleOptions.Init.of(value(TransferOption.INIT)) == StyleOptions.Init.ADAIN))
            throw new OptionException("{} is the AdaIN weights of {} adain: give that too (with --method adain use --weights)",
                    TransferOption.ADAIN_WEIGHTS, TransferOption.INIT);
        if (given(TransferOption.MASK)) b.masks(TransferRunner.readAll(paths(TransferOption.MASK)));
        if (given(TransferOption.INIT_IMAGE)) b.initImage(Images.read(paths(TransferOption.INIT_IMAGE).get(0)));
        return b.build().validate();
    }

    /** The loss log's path, or null. */
    Path lossLog() {
        String v = value(TransferOption.LOSS_LOG);
        return v == null ? null : Path.of(v);
    }
}
