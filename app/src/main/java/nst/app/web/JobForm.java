package nst.app.web;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.image.Images;
import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.StyleOptions;
import nst.engine.TransferOption;

import nst.engine.WeightsLookup;
import nst.engine.adain.AdaInTransfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a POST /api/jobs form (multipart or urlencoded) into checked {@link StyleOptions}: uploads limited
 * in bytes and pixels (413), checked by decoding (415), every option through the option catalogue
 * ({@link StyleOptions.Builder#set}) and validate() (400 naming the option as the CLI spells it), and the inputs'
 * names for the result's metadata. The method ({@code method}: gatys or adain) decides which fields mean something:
 * any other is refused as the CLI refuses it ({@link TransferOption#appliesTo}). Leaves out weights files (the studio
 * takes random or auto; with adain, weights are AdaIN's), output paths and machine settings (the server's).
 */
final class JobForm {
    /** The catalogue's options a form may set: those that shape the picture, and saveEvery (the step-through's pictures). */
    static final List<TransferOption> OPTIONS = java.util.Arrays.stream(TransferOption.values())
            .filter(o -> o.kind() == TransferOption.Kind.PICTURE || o == TransferOption.SAVE_EVERY).toList();
    /** Their form fields, in the catalogue's order. */
    static final List<String> OPTION_FIELDS = OPTIONS.stream().map(TransferOption::field).toList();
    /** Image fields: files (content, style, mask, initImage) or bundled examples by name. */
    static final List<String> IMAGE_FIELDS = List.of("content", "contentExample", "style", "styleExample", "mask", "initImage");
    static final Set<String> FILE_ONLY = Set.of("mask", "initImage");
    /** How often the step-through keeps a picture unless saveEvery says (the CLI's own default, 0, saves none). */
    static final int DEFAULT_SAVE_EVERY = 5;
    /** Most --scales entries a job may have (each scale is a whole optimisation). */
    static final int MAX_SCALES = 6;

    /**
     * A parsed job: the options the engine runs (saveEvery 0: the studio takes its own pictures), how often the
     * step-through saves one, and the input arguments (--content NAME …) recorded in the result's metadata.
     */
    record Request(StyleOptions options, int saveEvery, List<String> inputs) {}

    private final StudioServer.Config cfg;

    JobForm(StudioServer.Config cfg) { this.cfg = cfg; }

    /** Jetty's limit for one part of a job form: a few times the per-file limit (a larger file is still refused with 413). */
    static long partLimit(StudioServer.Config cfg) {
        return Math.max(cfg.maxUploadBytes() * 4, 1L << 20);
    }

    Request parse(Context ctx) {
        FormBody body = FormBody.read(ctx, partLimit(cfg));
        Map<String, List<String>> fields = body.fields();
        for (String k : fields.keySet()) {
            if (!OPTION_FIELDS.contains(k) && !IMAGE_FIELDS.contains(k))
                throw new ApiError(400, "unknown field '" + k + "'; known: " + String.join(", ", OPTION_FIELDS)
                        + ", " + String.join(", ", IMAGE_FIELDS));
            if (FILE_ONLY.contains(k) && !nonBlank(fields.get(k)).isEmpty())
                throw new ApiError(400, cli(k) + " (field '" + k + "') must be an uploaded image file (multipart/form-data), not text");
        }
        List<UploadedFile> contentFiles = body.files("content"), styleFiles = body.files("style"),
                maskFiles = body.files("mask"), initFiles = body.files("initImage");
        List<String> contentExample = nonBlank(fields.get("contentExample")), styleExamples = nonBlank(fields.get("styleExample"));

        // Counts first, then every upload's bytes and header dimensions, and only then is any image decoded.
        if (contentFiles.size() > 1) throw new ApiError(400, "content: give one content image, got " + contentFiles.size());
        int styleCount = styleFiles.size() + styleExamples.size();
        if (styleCount > cfg.maxStyles()) throw new ApiError(400, "--style: at most " + cfg.maxStyles() + " style images, got " + styleCount);
        if (maskFiles.size() > cfg.maxStyles()) throw new ApiError(400, "--mask: at most " + cfg.maxStyles() + " masks (one per style), got " + maskFiles.size());
        if (initFiles.size() > 1) throw new ApiError(400, "--init-image (field 'initImage'): give one image, got " + initFiles.size());
        if (contentFiles.isEmpty() && contentExample.isEmpty())
            throw new ApiError(400, "--content: a content image is required (field 'content' with a file, or 'contentExample' with a bundled example's name)");
        List<Upload> contentUp = checked(contentFiles, "content"), styleUp = checked(styleFiles, "style"),
                maskUp = checked(maskFiles, "mask"), initUp = checked(initFiles, "initImage");

        List<String> inputs = new ArrayList<>();
        Image content;
        if (!contentUp.isEmpty()) {
            content = contentUp.get(0).decode();
            inputs.addAll(List.of("--content", contentUp.get(0).name()));
        } else {
            content = example(contentExample.get(0), "contentExample");
            inputs.addAll(List.of("--content", examplePath(contentExample.get(0))));
        }
        List<Image> styles = new ArrayList<>();
        for (Upload u : styleUp) {
            styles.add(u.decode());
            inputs.addAll(List.of("--style", u.name()));
        }
        for (String name : styleExamples) {
            styles.add(example(name, "styleExample"));
            inputs.addAll(List.of("--style", examplePath(name)));
        }
        List<Image> masks = new ArrayList<>();
        for (Upload u : maskUp) {
            masks.add(u.decode());
            inputs.addAll(List.of("--mask", u.name()));
        }

        StyleOptions.Builder b = StyleOptions.builder().content(content).styles(styles)
                .backend(cfg.backend()).threads(cfg.threads()).weights("auto");
        int saveEvery = DEFAULT_SAVE_EVERY;
        if (!masks.isEmpty()) b.masks(masks);
        if (!initUp.isEmpty()) {
            b.initImage(initUp.get(0).decode());
            inputs.addAll(List.of("--init-image", initUp.get(0).name()));
        }
        try {
            // As on the command line, an option that means nothing for the method chosen is refused, naming it.
            String methodText = field(fields, TransferOption.METHOD.field());
            String method = methodText == null ? TransferOption.METHOD.defaultText(TransferOption.WeightsKind.PRETRAINED)
                    : TransferOption.METHOD.parseChoice(methodText);
            for (TransferOption option : OPTIONS)
                if (!option.appliesTo(method) && field(fields, option.field()) != null) throw option.notFor(method);
            if (!initUp.isEmpty() && !TransferOption.INIT_IMAGE.appliesTo(method)) throw TransferOption.INIT_IMAGE.notFor(method);
            if (!maskUp.isEmpty() && !TransferOption.MASK.appliesTo(method)) throw TransferOption.MASK.notFor(method);
            for (TransferOption option : OPTIONS) {
                String v = field(fields, option.field());
                if (v == null) continue;
                switch (option) {
                    case WEIGHTS -> {
                        if (!v.equals("random") && !v.equals("auto"))
                            throw new ApiError(400, "--weights: the studio takes 'random' or 'auto' (the server's pretrained weights, else random), got '" + v + "'");
                        b.weights(v);
                    }
                    case ADAIN_WEIGHTS -> {
                        if (!v.equals("random") && !v.equals("auto"))
                            throw new ApiError(400, "--adain-weights: the studio takes 'random' or 'auto' (the server's AdaIN weights), got '" + v + "'");
                        b.adainWeights(v);
                    }
                    case SAVE_EVERY -> {
                        int n = option.parseInt(v);
                        if (n < 1) throw new ApiError(400, "--save-every must be at least 1 in the studio (it sets how often a picture is kept), got " + n);
                        saveEvery = n;
                    }
                    case SCALES -> {
                        int count = v.split(",", -1).length;
                        if (count > MAX_SCALES) throw new ApiError(400, "--scales: this server allows at most " + MAX_SCALES + " scales, got " + count);
                        b.set(option, v);                      // after size: the last scale is the output size, as on the command line
                    }
                    default -> b.set(option, v);
                }
            }
            StyleOptions o = b.build().validate();
            if (o.adain()) {
                if ("auto".equals(o.weights()) && !Files.isRegularFile(WeightsLookup.defaultFile(AdaInTransfer.MODEL)))
                    AdaInTransfer.weights("auto", o.seed(), TransferOption.WEIGHTS, null);   // throws its message: how to get them
                AdaInTransfer.checkSizes(o, o.size());             // images too small for the encoder: 400 now, not a failed job
                saveEvery = 1;                                     // one pass: no step-through
            }
            if (o.size() > cfg.maxSize())
                throw new ApiError(400, o.controls().scales().length > 0
                        ? "--scales: this server allows at most " + cfg.maxSize() + " px for the last scale, got " + o.size()
                        : "--size: this server allows at most " + cfg.maxSize() + " px, got " + o.size());
            if (!o.adain() && o.iterations() > cfg.maxIterations())
                throw new ApiError(400, "--iterations: this server allows at most " + cfg.maxIterations() + ", got " + o.iterations());
            long styleSide = Math.round(o.size() * o.controls().styleScale());
            if (!o.styles().isEmpty() && styleSide > cfg.maxSize())
                throw new ApiError(400, "--style-scale: this server allows style images of at most " + cfg.maxSize() + " px (size × style scale), got "
                        + styleSide);
            return new Request(o, saveEvery, List.copyOf(inputs));
        } catch (OptionException e) {
            throw new ApiError(400, e.spelled(TransferOption::flag));
        } catch (NstException | IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
    }

    /** An upload's name as the browser gave it, without folders (recorded in the result's metadata); the field when it has none. */
    static String uploadName(UploadedFile f, String field) {
        String n = f.filename() == null ? "" : f.filename().trim();
        n = n.substring(Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\')) + 1);
        return n.isEmpty() ? field : n;
    }

    /** Where a bundled example lives in the nst folder (examples/NAME.jpg), for the result's metadata. */
    static String examplePath(String name) {
        try {
            return "examples/" + Examples.normalise(name) + ".jpg";
        } catch (ApiError e) {
            return name;                                       // example() has already refused it
        }
    }

    private static Image example(String name, String field) {
        try {
            return Examples.image(name);
        } catch (ApiError e) {
            throw new ApiError(400, field + ": " + e.getMessage());
        }
    }

    private static List<String> nonBlank(List<String> l) {
        if (l == null) return List.of();
        return l.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String field(Map<String, List<String>> fields, String name) {
        List<String> l = nonBlank(fields.get(name));
        if (l.size() > 1) throw new ApiError(400, cli(name) + ": given " + l.size() + " times");
        return l.isEmpty() ? null : l.get(0);
    }

    /** The CLI's spelling of a form field: learningRate → --learning-rate. */
    static String cli(String field) {
        TransferOption o = TransferOption.find(field);
        return o != null ? o.flag() : field;
    }

    /** An upload read and measured but not yet decoded: its bytes, form field, and name as the browser gave it. */
    private record Upload(byte[] bytes, String field, String name, ImageLimits limits) {
        Image decode() {
            try {
                return Images.decode(bytes, field + " image '" + name + "'", limits);
            } catch (NstException e) {
                throw new ApiError(415, e.getMessage());
            }
        }
    }

    private List<Upload> checked(List<UploadedFile> files, String field) {
        List<Upload> out = new ArrayList<>();
        for (UploadedFile f : files) out.add(checked(f, field));
        return out;
    }

    /** Reads one upload and checks it without decoding: the byte limit (413), an image header (415), the pixel limit (413). */
    private Upload checked(UploadedFile f, String field) {
        String name = f.filename() == null || f.filename().isBlank() ? field : f.filename();
        if (f.size() > cfg.maxUploadBytes())
            throw new ApiError(413, field + " image '" + name + "' is " + mb(f.size()) + "; the limit is " + mb(cfg.maxUploadBytes()) + " per file");
        byte[] bytes;
        try (InputStream in = f.content()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cfg.maxUploadBytes() + 1));
        } catch (IOException e) {
            throw new ApiError(400, field + ": the upload could not be read: " + e.getMessage());
        }
        if (bytes.length > cfg.maxUploadBytes())
            throw new ApiError(413, field + " image '" + name + "' is larger than the limit of " + mb(cfg.maxUploadBytes()) + " per file");
        try {
            Images.checkDeclared(bytes, field + " image '" + name + "'", limits());
        } catch (ImageLimits.Exceeded e) {
            throw new ApiError(413, e.getMessage());
        } catch (NstException e) {
            throw new ApiError(415, e.getMessage());
        }
        return new Upload(bytes, field, uploadName(f, field), limits());
    }

    /** This server's image limits, applied by the engine to the declared size and again to what is decoded. */
    private ImageLimits limits() {
        return new ImageLimits(cfg.maxPixels(), cfg.maxUploadBytes());
    }

    static String mb(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
}
