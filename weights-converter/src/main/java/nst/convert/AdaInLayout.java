package nst.convert;

import nst.engine.WeightsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AdaIN file (naoto0804/pytorch-AdaIN, net.py): {@code encoder.<i>.weight|bias} with <i> the conv
 * indices of the {@code vgg} Sequential of {@code vgg_normalised.pth} (0 = the 1×1 conv 3→3 that bakes in
 * the preprocessing, 2 = conv1_1, …, 29 = conv4_1, …, 51 = conv5_4), and {@code decoder.<i>.weight|bias} with
 * the conv indices of {@code decoder.pth}. Checks by shape: the encoder holds a prefix of its convs at least
 * up to conv4_1 (the public file holds all to conv5_4; all that a file holds is kept), each 3×3 conv reads
 * what the previous one wrote; the decoder holds all nine convs, reads what conv4_1 writes and ends with 3
 * channels. Widths are not fixed (narrow test files pass). Leaves out the Torch7 {@code .t7} release.
 */
public final class AdaInLayout {
    private AdaInLayout() {}

    public static final List<Integer> ENCODER = List.of(0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51);
    public static final List<Integer> DECODER = List.of(1, 5, 8, 11, 14, 18, 21, 25, 28);
    /** The encoder index of conv4_1, the last conv AdaIN runs. */
    public static final int RELU4_1 = 29;

    private static final Pattern NAME = Pattern.compile("(encoder|decoder)\\.(\\d{1,3})\\.(weight|bias)");

    /** The half a bare-index state dict is, from its indices and shapes; null when it is neither. */
    static String classify(Map<Integer, Map<String, int[]>> byIndex) {
        Map<String, int[]> first = byIndex.get(0);
        if (first != null && Arrays.equals(first.get("weight"), new int[] {3, 3, 1, 1})) return SourceModel.ADAIN_ENCODER;
        if (!byIndex.containsKey(0) && byIndex.containsKey(1) && DECODER.containsAll(byIndex.keySet())) return SourceModel.ADAIN_DECODER;
        return null;
    }

    /** Checks the tensors of an AdaIN file by name and shape (the writer's names: encoder.i.*, decoder.i.*). */
    public static void check(String where, Map<String, int[]> shapes) {
        TreeSet<Integer> enc = new TreeSet<>(), dec = new TreeSet<>();
        for (String n : shapes.keySet()) {
            Matcher m = NAME.matcher(n);
            if (!m.matches()) throw new WeightsException(where + ": unexpected tensor '" + n + "' in an AdaIN file (expected encoder.<i>.* and decoder.<i>.*)");
            int i = Integer.parseInt(m.group(2));
            boolean isEnc = m.group(1).equals("encoder");
            if (!(isEnc ? ENCODER : DECODER).contains(i))
                throw new WeightsException(where + ": " + m.group(1) + "." + i + " is no conv of AdaIN's " + (isEnc ? "vgg_normalised" : "decoder")
                        + " (its convs: " + (isEnc ? ENCODER : DECODER) + ")");
            (isEnc ? enc : dec).add(i);
        }
        int encLast = chain(where, "encoder", shapes, enc, ENCODER, ENCODER.indexOf(RELU4_1) + 1, 3);
        int c41 = shapes.get("encoder." + RELU4_1 + ".weight")[0];
        int out = chain(where, "decoder", shapes, dec, DECODER, DECODER.size(), c41);
        if (out != 3) throw new WeightsException(where + ": the AdaIN decoder's last conv (decoder.28) writes " + out + " channels, not 3 (RGB)");
        int[] w0 = shapes.get("encoder.0.weight");
        if (!Arrays.equals(w0, new int[] {3, 3, 1, 1}))
            throw new WeightsException(where + ": encoder.0.weight has shape " + Arrays.toString(w0) + ", not AdaIN's 1×1 conv 3→3 [3, 3, 1, 1]");
        if (encLast <= 0) throw new IllegalStateException();
    }

    /**
     * The convs present are exactly the first {@code present.size()} of {@code order}, at least {@code min} of
     * them; each has weight and bias, 3×3 kernels (1×1 for encoder.0), and reads what the one before writes.
     * Returns the last one's output channels.
     */
    private static int chain(String where, String half, Map<String, int[]> shapes, Set<Integer> present, List<Integer> order, int min, int in) {
        String file = half.equals("encoder") ? "vgg_normalised.pth" : "decoder.pth";
        List<Integer> want = order.subList(0, Math.max(min, Math.min(present.size(), order.size())));
        List<String> missing = new ArrayList<>();
        for (int i : want) if (!present.contains(i)) missing.add(half + "." + i);
        if (!missing.isEmpty())
            throw new WeightsException(where + ": the AdaIN " + half + " lacks " + ResNetLayout.preview(missing) + " (from " + file
                    + "; the encoder needs its convs up to conv4_1, encoder." + RELU4_1 + ", the decoder all nine)");
        int c = in;
        for (int i : want) {
            int[] w = shapes.get(half + "." + i + ".weight"), b = shapes.get(half + "." + i + ".bias");
            if (w == null || b == null) throw new WeightsException(where + ": " + half + "." + i + " lacks its " + (w == null ? "weight" : "bias"));
            int k = half.equals("encoder") && i == 0 ? 1 : 3;
            if (w.length != 4 || w[1] != c || w[2] != k || w[3] != k)
                throw new WeightsException(where + ": " + half + "." + i + ".weight has shape " + Arrays.toString(w) + ", expected [O, " + c + ", "
                        + k + ", " + k + "] (it reads the " + c + " channels the conv before writes)");
            if (b.length != 1 || b[0] != w[0])
                throw new WeightsException(where + ": " + half + "." + i + ".bias has shape " + Arrays.toString(b) + ", expected [" + w[0] + "]");
            c = w[0];
        }
        return c;
    }
}
