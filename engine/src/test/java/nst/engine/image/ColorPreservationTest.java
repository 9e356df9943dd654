package nst.engine.image;

import nst.engine.Controls;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static nst.engine.ControlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Colour preservation (Gatys et al. 2017): histogram matching gives the style the content's colour mean
 * and covariance; luminance-only transfer leaves the content's chroma in the written 8-bit output.
 */
class ColorPreservationTest {

    @Test void yiqMatricesAreInverseAndLuminanceHasUnitColumn() {
        var id = new org.joml.Matrix3d(ColorTransfer.YIQ_TO_RGB).mul(ColorTransfer.RGB_TO_YIQ);
        assertTrue(id.equals(new org.joml.Matrix3d(), 1e-12), id.toString());
        // (1,1,1) in RGB is pure luminance: I = Q = 0
        var v = ColorTransfer.RGB_TO_YIQ.transform(new org.joml.Vector3d(1, 1, 1));
        assertEquals(1, v.x, 1e-12);
        assertEquals(0, v.y, 1e-5);
        assertEquals(0, v.z, 1e-5);
    }

    @Test void histogramMatchingGivesTheContentsMeanAndCovariance() {
        for (String styleName : new String[] {"starry_night.jpg", "the_scream.jpg", "woman-with-hat-matisse.jpg"}) {
            Image content = image("tubingen.jpg", 128), style = image(styleName, 128);
            Image recoloured = ColorTransfer.matchHistogram(style, content);
            double[] mc = ColorTransfer.colourMean(content), mr = ColorTransfer.colourMean(recoloured);
            double[][] cc = ColorTransfer.colourCovariance(content, mc), cr = ColorTransfer.colourCovariance(recoloured, mr);
            double worst = 0;
            for (int i = 0; i < 3; i++) {
                worst = Math.max(worst, Math.abs(mc[i] - mr[i]));
                for (int j = 0; j < 3; j++) worst = Math.max(worst, Math.abs(cc[i][j] - cr[i][j]));
            }
            System.out.printf("histogram matching %s: max |Δmean|, |Δcov| = %.2e%n", styleName, worst);
            assertTrue(worst < 1e-3, styleName + ": " + worst);
            // and it really changed the style's colours
            double[] ms = ColorTransfer.colourMean(style);
            assertTrue(Math.abs(ms[0] - mc[0]) + Math.abs(ms[2] - mc[2]) > 0.02);
        }
    }

    @Test void histogramMatchingOfAGreyStyleStaysFinite() {
        Image grey = ColorTransfer.luminanceImage(image("the_scream.jpg", 48));
        Image r = ColorTransfer.matchHistogram(grey, image("tubingen.jpg", 48));
        for (float v : r.rgb()) assertTrue(Float.isFinite(v));
    }

    @Test void luminanceTransferKeepsTheContentsChroma() {
        StyleOptions o = small(48, 4).preserveColors(Controls.ColorPreservation.LUMINANCE).build();
        StyleTransfer.Result r = new StyleTransfer().run(o, null, null);
        Image content = Images.resizeLongest(o.content(), 48).clamped();
        // the written 8-bit image, decoded again
        BufferedImage written = Images.toBuffered(r.image());
        Image out = Images.fromBuffered(written);
        float[] a = ColorTransfer.toYiq(out), b = ColorTransfer.toYiq(content);
        int n = out.pixels();
        double worst = 0, lumaChange = 0;
        for (int j = 0; j < n; j++) {
            worst = Math.max(worst, Math.max(Math.abs(a[n + j] - b[n + j]), Math.abs(a[2 * n + j] - b[2 * n + j])));
            lumaChange = Math.max(lumaChange, Math.abs(a[j] - b[j]));
        }
        System.out.printf("luminance transfer: max |ΔI|, |ΔQ| = %.5f (1/255 = %.5f); max |ΔY| = %.3f%n", worst, 1 / 255.0, lumaChange);
        // 8-bit rounding moves each channel by at most 0.5/255, I and Q by at most 0.6/255
        assertTrue(worst <= 1.0 / 255, "chroma changed by " + worst);
        assertTrue(lumaChange > 0.02, "the transfer changed the luminance");
    }

    @Test void recombineStaysInsideTheRgbCube() {
        Image content = image("tubingen.jpg", 32);
        float[] bright = new float[content.rgb().length];
        java.util.Arrays.fill(bright, 1.4f);
        Image r = ColorTransfer.recombine(new Image(content.width(), content.height(), bright), content);
        for (float v : r.rgb()) assertTrue(v >= -1e-6f && v <= 1 + 1e-6f, "value " + v);
    }
}
