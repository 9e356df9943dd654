package nst.engine.flow;

import nst.engine.image.Image;

/**
 * A grey plane (width × height, row-major) and the filters the flow method needs on it: luminance, Gaussian
 * blur, bilinear resize, the 5-point derivative, and the median (used on flow components). Borders are replicated throughout. Leaves out colour
 * (the flow is computed on brightness) and any allocation-free variant.
 */
record Gray(int width, int height, float[] values) {

    Gray {
        if (values.length != width * height)
            throw new IllegalArgumentException("grey plane " + width + "x" + height + " has " + values.length + " values");
    }

    /** Rec. 601 luma 0.299 R + 0.587 G + 0.114 B. */
    static Gray luminance(Image im) {
        int n = im.pixels();
        float[] rgb = im.rgb(), g = new float[n];
        for (int i = 0; i < n; i++) g[i] = 0.299f * rgb[i] + 0.587f * rgb[n + i] + 0.114f * rgb[2 * n + i];
        return new Gray(im.width(), im.height(), g);
    }

    private float at(int x, int y) {
        return values[Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)];
    }

    /** Separable Gaussian blur with standard deviation sigma (pixels), kernel radius ⌈3σ⌉; sigma 0 is a copy. */
    Gray blur(double sigma) {
        if (sigma <= 0) return new Gray(width, height, values.clone());
        int r = (int) Math.ceil(3 * sigma);
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
        float[] rows = new float[values.length], out = new float[values.length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                float s = 0;
                for (int i = -r; i <= r; i++) s += k[i + r] * at(x + i, y);
                rows[y * width + x] = s;
            }
        Gray horizontal = new Gray(width, height, rows);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                float s = 0;
                for (int i = -r; i <= r; i++) s += k[i + r] * horizontal.at(x, y + i);
                out[y * width + x] = s;
            }
        return new Gray(width, height, out);
    }

    /** Bilinear resize to w × h, pixel centres aligned ((x + ½)·width/w − ½). Blur first when shrinking. */
    Gray resize(int w, int h) {
        float[] out = new float[w * h];
        float sx = (float) width / w, sy = (float) height / h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                out[y * w + x] = Warp.sample(values, width, height, (x + 0.5f) * sx - 0.5f, (y + 0.5f) * sy - 0.5f);
        return new Gray(w, h, out);
    }

    /** ∂/∂x with the 5-point stencil (1, −8, 0, 8, −1)/12 (as in Sun, Roth & Black 2010). */
    Gray dx() {
        float[] out = new float[values.length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                out[y * width + x] = (at(x - 2, y) - 8 * at(x - 1, y) + 8 * at(x + 1, y) - at(x + 2, y)) / 12;
        return new Gray(width, height, out);
    }

    /** ∂/∂y with the same stencil. */
    Gray dy() {
        float[] out = new float[values.length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                out[y * width + x] = (at(x, y - 2) - 8 * at(x, y - 1) + 8 * at(x, y + 1) - at(x, y + 2)) / 12;
        return new Gray(width, height, out);
    }

    /**
     * Median over the (2r + 1)² window around each pixel, the window clipped at the border (an even count takes
     * the mean of the two middle values). The readable definition {@link SimdMedian} must match.
     */
    Gray median(int r) {
        float[] out = new float[values.length], window = new float[(2 * r + 1) * (2 * r + 1)];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) out[y * width + x] = medianAt(x, y, r, window);
        return new Gray(width, height, out);
    }

    /**
     * The median of the window around (x, y), using {@code window} as scratch. Adding 0 turns −0 into +0, so that
     * the result does not depend on how an algorithm breaks the tie between the two zeros.
     */
    float medianAt(int x, int y, int r, float[] window) {
        int n = 0;
        for (int yy = Math.max(y - r, 0); yy <= Math.min(y + r, height - 1); yy++)
            for (int xx = Math.max(x - r, 0); xx <= Math.min(x + r, width - 1); xx++) window[n++] = values[yy * width + xx] + 0f;
        float upper = select(window, n, n / 2);
        if (n % 2 == 1) return upper;
        float lower = window[0];   // select left the n/2 smallest in front: the lower middle is their maximum
        for (int i = 1; i < n / 2; i++) lower = Math.max(lower, window[i]);
        return 0.5f * (lower + upper);
    }

    /**
     * The k-th smallest (from 0) of a[0, n), by Hoare's quickselect with the middle element as pivot. Reorders a:
     * afterwards a[0, k) ≤ a[k] ≤ a[k+1, n). About 2n comparisons, against n log n for sorting the window.
     */
    static float select(float[] a, int n, int k) {
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }
}
