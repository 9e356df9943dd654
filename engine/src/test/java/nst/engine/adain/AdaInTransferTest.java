package nst.engine.adain;

import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.image.Image;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AdaInTransfer}'s spatial control (test.lua's masks) and its argument checks, without the networks. */
class AdaInTransferTest {

    /** A white-where-{@code left} mask over the left or right half of a w × h image. */
    static Image half(int w, int h, boolean left) {
        float[] rgb = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) rgb[(c * h + y) * w + x] = (x < w / 2) == left ? 1f : 0f;
        return new Image(w, h, rgb);
    }

    @Test void eachRegionTakesItsStylesStatisticsFromItsOwnContentStatistics() {
        int c = 2, h = 3, w = 4, n = h * w;
        float[] x = new float[c * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 1.7) * 3 + i % 5;
        AdaIn.Statistics a = new AdaIn.Statistics(new float[] {10, -2}, new float[] {0.5f, 2f});
        AdaIn.Statistics b = new AdaIn.Statistics(new float[] {-7, 4}, new float[] {3f, 0.25f});
        float[] out = AdaInTransfer.masked(x, c, h, w, List.of(a, b), List.of(half(40, 30, true), half(40, 30, false)), 1.0);
        for (int ch = 0; ch < c; ch++) {
            for (int side = 0; side < 2; side++) {
                AdaIn.Statistics s = side == 0 ? a : b;
                double sum = 0, sq = 0;
                int count = 0;
                for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) if ((xx < w / 2) == (side == 0)) { sum += out[ch * n + y * w + xx]; count++; }
                double mean = sum / count;
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                        if ((xx < w / 2) == (side == 0)) sq += Math.pow(out[ch * n + y * w + xx] - mean, 2);
                double std = Math.sqrt(sq / (count - 1));
                assertEquals(s.mean()[ch], mean, 1e-4, "region " + side + " channel " + ch + " mean");
                assertEquals(s.std()[ch], std, 2e-3 * s.std()[ch] + 1e-4, "region " + side + " channel " + ch + " std");
            }
        }
        // α = 0 gives the content back; a position under no mask keeps the content
        assertArrayEquals(x, AdaInTransfer.masked(x, c, h, w, List.of(a, b), List.of(half(40, 30, true), half(40, 30, false)), 0.0), 1e-5f);
        float[] onlyLeft = AdaInTransfer.masked(x, c, h, w, List.of(a, b), List.of(half(40, 30, true), new Image(40, 30, new float[3 * 1200])), 1.0);
        assertEquals(x[3], onlyLeft[3], "a right-half position under no mask");
    }

    @Test void aMaskOfOnePositionIsRefused() {
        float[] x = new float[2 * 6];
        Image one = new Image(3, 2, new float[] {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0});
        AdaIn.Statistics s = new AdaIn.Statistics(new float[2], new float[] {1, 1});
        NstException e = assertThrows(NstException.class, () -> AdaInTransfer.masked(x, 2, 2, 3, List.of(s), List.of(one), 1));
        assertTrue(e.getMessage().startsWith("--mask 1 covers only 1 of the 3x2 relu4_1 positions"), e.getMessage());
    }

    @Test void alphaOutsideTheUnitIntervalIsRefusedNamingTheOption() {
        OptionException e = assertThrows(OptionException.class,
                () -> AdaInTransfer.stylize(null, new Image(16, 16, new float[768]), List.of(new Image(16, 16, new float[768])), new double[] {1}, 1.2, null));
        assertTrue(e.getMessage().contains("must be in [0, 1]"), e.getMessage());
    }
}
