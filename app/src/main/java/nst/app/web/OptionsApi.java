package nst.app.web;

import nst.engine.StyleOptions;
import nst.engine.TransferOption;
import nst.engine.TransferOption.WeightsKind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GET /api/options: the option catalogue as the studio's form takes it, so that the page shows the defaults,
 * ranges, choices and help of {@link TransferOption} instead of spelling them again. Per option: the form field,
 * the CLI flag, type, help, choices, range, and the defaults for pretrained and for random weights (they differ
 * for contentLayers and tvWeight), with {@code byModel} where a model (resnet50) has its own; the page's own starting
 * values (the quick start: size and iterations, and how often the step-through keeps a picture); the methods each
 * option means something for ({@code methods}: gatys, adain); what "auto" weights are on this server for each model
 * and for adain; and this server's limits.
 * Leaves out the options the form does not take (output paths, machine settings).
 */
final class OptionsApi {
    private OptionsApi() {}

    static Map<String, Object> describe(StudioServer.Config cfg) {
        List<Map<String, Object>> options = new ArrayList<>();
        Map<TransferOption, String> pretrained = TransferOption.defaults(WeightsKind.PRETRAINED);
        Map<TransferOption, String> random = TransferOption.defaults(WeightsKind.RANDOM);
        for (TransferOption o : JobForm.OPTIONS) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("field", o.field());
            m.put("flag", o.flag());
            m.put("type", o.type().name().toLowerCase(Locale.ROOT));
            m.put("help", o.help());
            if (!o.choices().isEmpty()) m.put("choices", o.choices());
            if (o.range() != null) {
                m.put("min", o.range().min());
                if (o.range().minExclusive()) m.put("minExclusive", true);
                if (Double.isFinite(o.range().max()) && o.range().max() < Integer.MAX_VALUE) m.put("max", o.range().max());
            }
            Map<String, Object> defaults = new LinkedHashMap<>();
            defaults.put("pretrained", pretrained.get(o));
            defaults.put("random", random.get(o));
            Map<String, Object> byModel = new LinkedHashMap<>();   // models whose defaults differ from VGG's
            for (String model : TransferOption.models()) {
                String p = TransferOption.defaults(model, WeightsKind.PRETRAINED).get(o), r = TransferOption.defaults(model, WeightsKind.RANDOM).get(o);
                if (java.util.Objects.equals(p, pretrained.get(o)) && java.util.Objects.equals(r, random.get(o))) continue;
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("pretrained", p);
                d.put("random", r);
                byModel.put(model, d);
            }
            if (!byModel.isEmpty()) defaults.put("byModel", byModel);
            m.put("defaults", defaults);
            List<String> methods = new ArrayList<>();                // the methods it means something for (the page hides it for others)
            for (String method : TransferOption.METHOD.choices()) if (o.appliesTo(method)) methods.add(method);
            m.put("methods", methods);
            options.add(m);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        TransferOption.quickStart().forEach((o, v) -> page.put(o.field(), v));
        page.put(TransferOption.SAVE_EVERY.field(), Integer.toString(JobForm.DEFAULT_SAVE_EVERY));
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("size", cfg.maxSize());
        limits.put("iterations", cfg.maxIterations());
        limits.put("styles", cfg.maxStyles());
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> auto = new LinkedHashMap<>();         // per model: are "auto" weights pretrained here?
        for (String model : TransferOption.MODEL.choices())
            auto.put(model, StyleOptions.weightsKind("auto", null, model).name().toLowerCase(Locale.ROOT));
        // AdaIN's "auto" is its installed file or nothing (no random fallback): "pretrained" or "missing".
        auto.put("adain", java.nio.file.Files.isRegularFile(nst.engine.WeightsLookup.defaultFile(
                nst.engine.adain.AdaInTransfer.MODEL)) ? "pretrained" : "missing");
        out.put("autoWeights", auto);
        out.put("page", page);
        out.put("limits", limits);
        out.put("options", options);
        return out;
    }
}
