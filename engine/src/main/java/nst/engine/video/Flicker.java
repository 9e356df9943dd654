package nst.engine.video;

import nst.engine.flow.Consistency;

import nst.engine.flow.OpticalFlow;
import nst.engine.flow.Warp;
import nst.engine.image.Image;

import java.util.List;

/**
 * The temporal error of a stylized clip, the flicker measure of Ruder et al. (arXiv 1604.08610, §7.1): for each
 * pair of consecutive output frames, the mean squared difference between frame i and frame i−1 warped onto it by
 * the backward flow of the content frames, over the pixels the consistency check trusts (c = 1) and the three
 * channels, values in [0, 1]; the clip's error is the mean over the pairs. Leaves out the flow (given) and the
 * long-term (several frames back) error.
 */
public final class Flicker {
    private Flicker() {}

    /** The flows of the content frames in both directions, pair by pair: the i-th entry goes from frame i to i+1. */
    public static List<OpticalFlow.Pair> flows(List<Image> content, OpticalFlow flow) {
        return java.util.stream.IntStream.range(1, content.size()).mapToObj(i -> flow.bothDirections(content.get(i - 1), content.get(i))).toList();
    }

    /** Mean of c·(out − warp(previous))² over the trusted pixels and channels; 0 when no pixel is trusted. */
    public static double pairError(Image previous, Image out, OpticalFlow.Pair flow) {
        float[] c = Consistency.weights(flow.forward(), flow.backward());
        Image warped = Warp.backward(previous, flow.backward());
        return error(warped, out, c);
    }

    /** Mean of c·(a − b)² over the pixels with c = 1 and the three channels. */
    public static double error(Image a, Image b, float[] c) {
        int n = a.pixels();
        double sum = 0, count = 0;
        for (int p = 0; p < n; p++) {
            if (c[p] == 0) continue;
            count += 3 * c[p];
            for (int ch = 0; ch < 3; ch++) {
                double d = a.rgb()[ch * n + p] - b.rgb()[ch * n + p];
                sum += c[p] * d * d;
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    /** The clip's temporal error: the mean of {@link #pairError} over consecutive frames ({@code flows} from {@link #flows}). */
    public static double clipError(List<Image> outputs, List<OpticalFlow.Pair> flows) {
        if (outputs.size() != flows.size() + 1)
            throw new IllegalArgumentException(outputs.size() + " frames and " + flows.size() + " flows");
        double sum = 0;
        for (int i = 1; i < outputs.size(); i++) sum += pairError(outputs.get(i - 1), outputs.get(i), flows.get(i - 1));
        return flows.isEmpty() ? 0 : sum / flows.size();
    }

}
