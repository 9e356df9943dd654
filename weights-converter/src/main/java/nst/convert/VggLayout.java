package nst.convert;

import nst.engine.WeightsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which VGG a file holds, from the conv layer names it has (VGG19 alone has conv3_4, conv4_4, conv5_4),
 * checked against the architecture the user asked for. Leaves out shape checks (see {@link Converter}).
 */
public final class VggLayout {
    private VggLayout() {}

    public static final List<String> VGG19_ONLY = List.of("conv3_4", "conv4_4", "conv5_4");

    /** Normalises and checks a user's --arch value (null stays null). */
    public static String requested(String arch) {
        if (arch == null) return null;
        String a = arch.toLowerCase(Locale.ROOT);
        if (!a.equals("vgg16") && !a.equals("vgg19")) throw new WeightsException("unknown --arch '" + arch + "'; known: vgg16, vgg19");
        return a;
    }

    /**
     * The architecture of a file whose conv layers carry paper names. A VGG16 file where vgg19 is asked
     * (or the reverse) is an error naming the file and what it holds.
     */
    public static String resolve(String where, Collection<String> convNames, String requested) {
        Set<String> names = Set.copyOf(convNames);
        List<String> only19 = new ArrayList<>();
        for (String n : VGG19_ONLY) if (names.contains(n)) only19.add(n);
        String detected = only19.isEmpty() ? "vgg16" : "vgg19";
        String asked = requested(requested);
        if (asked == null || asked.equals(detected)) return detected;
        if (asked.equals("vgg19"))
            throw new WeightsException(where + " holds VGG16 weights (" + names.size() + " conv layers, none of "
                    + String.join("/", VGG19_ONLY) + "), but vgg19 was asked; convert it with --arch vgg16");
        throw new WeightsException(where + " holds VGG19 weights (it has " + String.join(", ", only19)
                + "), but vgg16 was asked; convert it with --arch vgg19");
    }
}
