package nst.bench.dl4j;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The side-by-side workload in Deeplearning4j (SameDiff on ND4J's native CPU backend): VGG19 cut after relu5_1 with
 * random weights of VGG19's shapes, content loss at relu4_2, style (Gram) losses at relu1_1 … relu5_1, TV loss, the
 * same weights as bench/side_by_side.py's PyTorch closure, and the gradient to the image only (weights are
 * constants). Each evaluation is loss + gradient followed by a plain gradient step on the image (DL4J has no
 * L-BFGS over an arbitrary tensor; L-BFGS's own vector work is small next to an evaluation); one timestamp per
 * evaluation goes to the stamps file, as the PyTorch worker writes them. Run by side_by_side.py --engines dl4j;
 * built only by the bench module's {@code -Pdl4j} profile.
 *
 * <p>Usage: Dl4jWorker SIZE THREADS EVALS CONTENT.png STYLE.png STAMPS.txt
 */
public final class Dl4jWorker {
    /** VGG19 to relu5_1: output channels of each conv, 0 for a 2×2 max pool. */
    static final int[] CFG = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512};
    /** The layer names in the order of the convs (relu{block}_{index}). */
    static final String[] CONTENT = {"relu4_2"};
    static final String[] STYLE = {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};

    public static void main(String[] a) throws IOException {
        if (a.length != 6) {
            System.err.println("usage: Dl4jWorker SIZE THREADS EVALS CONTENT.png STYLE.png STAMPS.txt");
            System.exit(2);
        }
        int size = Integer.parseInt(a[0]), evals = Integer.parseInt(a[2]);
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getRandom().setSeed(0);
        INDArray content = image(new File(a[3]), size), style = image(new File(a[4]), size);

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", content.dup());
        INDArray mean = Nd4j.createFromArray(0.485f, 0.456f, 0.406f).reshape(1, 3, 1, 1);
        INDArray std = Nd4j.createFromArray(0.229f, 0.224f, 0.225f).reshape(1, 3, 1, 1);
        SDVariable h = x.sub(sd.constant("mean", mean)).div(sd.constant("std", std));
        Map<String, SDVariable> feats = new HashMap<>();
        int inC = 3, block = 1, index = 1;
        Conv2DConfig conv = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1).dH(1).dW(1).paddingMode(org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID)
                .dataFormat("NCHW").build();
        Pooling2DConfig pool = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).paddingMode(org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID).isNHWC(false).build();
        for (int c : CFG) {
            if (c == 0) {
                h = sd.cnn().maxPooling2d(h, pool);
                block++;
                index = 1;
                continue;
            }
            // He initialisation; weights [kH, kW, inC, outC], SameDiff's default layout.
            INDArray w = Nd4j.randn(DataType.FLOAT, 3, 3, inC, c).muli(Math.sqrt(2.0 / (9 * inC)));
            String name = "relu" + block + "_" + index;
            h = sd.nn().relu(name, sd.cnn().conv2d(h, sd.constant("w" + name, w), sd.constant("b" + name, Nd4j.zeros(DataType.FLOAT, c)), conv), 0);
            feats.put(name, h);
            inC = c;
            index++;
        }
        // Targets: the content image's relu4_2 and the style image's Grams, by forward passes through the same graph.
        Map<String, SDVariable> grams = new HashMap<>();
        for (String l : STYLE) {
            int b = l.charAt(4) - '0';               // relu{b}_1: channels min(64·2^(b−1), 512), side size / 2^(b−1)
            grams.put(l, gram(feats.get(l), Math.min(512, 64 << (b - 1)), size >> (b - 1)));
        }
        List<String> outs = new ArrayList<>(List.of(CONTENT));
        for (String l : STYLE) outs.add(grams.get(l).name());
        Map<String, INDArray> ofContent = sd.output(Map.of(), outs.toArray(String[]::new));
        Map<String, INDArray> contentTargets = new HashMap<>();
        for (String l : CONTENT) contentTargets.put(l, ofContent.get(l).dup());
        x.getArr().assign(style);
        Map<String, INDArray> ofStyle = sd.output(Map.of(), outs.toArray(String[]::new));
        x.getArr().assign(content);

        SDVariable lc = null, ls = null;
        for (String l : CONTENT) {
            SDVariable d = feats.get(l).sub(sd.constant("t" + l, contentTargets.get(l)));
            lc = add(lc, d.mul(d).mean());
        }
        for (String l : STYLE) {
            SDVariable d = grams.get(l).sub(sd.constant("g" + l, ofStyle.get(grams.get(l).name()).dup()));
            ls = add(ls, d.mul(d).mean());
        }
        SDVariable dy = x.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.all(),
                org.nd4j.autodiff.samediff.SDIndex.interval(1, size), org.nd4j.autodiff.samediff.SDIndex.all())
                .sub(x.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.all(),
                        org.nd4j.autodiff.samediff.SDIndex.interval(0, size - 1), org.nd4j.autodiff.samediff.SDIndex.all()));
        SDVariable dx = x.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.all(),
                org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.interval(1, size))
                .sub(x.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.all(),
                        org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.interval(0, size - 1)));
        SDVariable tv = dy.mul(dy).sum().add(dx.mul(dx).sum());
        SDVariable loss = lc.add(ls.mul(1e6)).add(tv.mul(1e-4)).rename("loss");
        sd.setLossVariables("loss");

        List<String> stamps = new ArrayList<>();
        long t0 = System.nanoTime();
        double first = Double.NaN, last = Double.NaN;
        for (int e = 0; e < evals; e++) {
            Map<String, INDArray> g = sd.calculateGradients(Map.of(), "x");
            INDArray gx = g.get("x");
            if (e == 0) first = sd.output(Map.of(), "loss").get("loss").getDouble(0);
            x.getArr().subi(gx.mul(1e-3 / Math.max(1e-12, gx.amaxNumber().doubleValue())));
            stamps.add(Double.toString((System.nanoTime() - t0) / 1e9));
        }
        last = sd.output(Map.of(), "loss").get("loss").getDouble(0);
        Files.writeString(Path.of(a[5]), String.join("\n", stamps), StandardCharsets.UTF_8);
        System.err.printf("dl4j: loss %.6g -> %.6g after %d gradient steps%n", first, last, evals);
    }

    static SDVariable add(SDVariable acc, SDVariable v) { return acc == null ? v : acc.add(v); }

    /** G = F Fᵀ / (c·h·w) with F the (c, h·w) view of a (1, c, h, w) feature map. */
    static SDVariable gram(SDVariable f, long c, long side) {
        SDVariable m = f.reshape(c, side * side);
        return f.getSameDiff().linalg().mmul(m, m, false, true, false).div((double) (c * side * side));
    }

    /** The PNG as a (1, 3, size, size) float array in [0, 1], channel-major. */
    static INDArray image(File f, int size) throws IOException {
        BufferedImage img = ImageIO.read(f);
        if (img == null || img.getWidth() != size || img.getHeight() != size) throw new IOException(f + ": not a " + size + " px PNG");
        float[] v = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = img.getRGB(x, y);
                v[y * size + x] = ((rgb >> 16) & 255) / 255f;
                v[size * size + y * size + x] = ((rgb >> 8) & 255) / 255f;
                v[2 * size * size + y * size + x] = (rgb & 255) / 255f;
            }
        }
        return Nd4j.create(v, new long[] {1, 3, size, size}, 'c');
    }
}
