package nst.app.web;

import nst.engine.loss.LayerWeight;
import nst.engine.network.VggSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The studio's rule for a layer list (contentLayers, styleLayers): at most as many entries as the network has layers,
 * and no layer twice. A repeated layer is never useful (give it a larger weight instead) and each entry costs a loss
 * term per evaluation, so a long list of repeats would make every iteration as slow as the list is long.
 */
final class LayerLists {
    private LayerLists() {}

    /** The list itself, or a 400 naming the field; {@code model} is the network's name (vgg16, vgg19). */
    static List<LayerWeight> checked(List<LayerWeight> list, String field, String model) {
        int layers = VggSpec.of(model).layers().size();
        String option = JobForm.cli(field) + " (field '" + field + "')";
        if (list.size() > layers)
            throw new ApiError(400, option + ": at most " + layers + " layers (the layers of " + model + "), got " + list.size());
        Set<String> seen = new HashSet<>();
        for (LayerWeight lw : list)
            if (!seen.add(lw.layer()))
                throw new ApiError(400, option + ": " + lw.layer() + " is given more than once; give each layer once, with a weight (" + lw.layer() + ":2)");
        return list;
    }
}
