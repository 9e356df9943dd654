package nst.engine.optim;

/**
 * L-BFGS with a strong-Wolfe line search, a line-by-line port of torch.optim.LBFGS (PyTorch 1.13,
 * {@code line_search_fn='strong_wolfe'}) so results can be compared with it: the same two-loop
 * recursion, first step min(1, 1/|g|₁)·lr, curvature test ys > 1e-10, cubic interpolation, zoom, and
 * stopping rules. Dot products are accumulated in double. Leaves out the no-line-search variant.
 *
 * <p>Memory: the history holds up to {@code history} pairs (s, y) of the image's size; they are
 * allocated as the history fills and then reused as a ring.
 */
public final class Lbfgs implements Optimizer {
    private final double lr;
    private final int history;
    private final double toleranceGrad, toleranceChange;
    private final int maxEvalOverride;

    /** torch defaults: tolerance_grad 1e-7, tolerance_change 1e-9, max_eval = 1.25 · max_iter. */
    public Lbfgs(double lr, int history) { this(lr, history, 1e-7, 1e-9, 0); }

    public Lbfgs(double lr, int history, double toleranceGrad, double toleranceChange, int maxEval) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive: " + lr);
        if (history < 1) throw new IllegalArgumentException("history must be at least 1: " + history);
        this.lr = lr;
        this.history = history;
        this.toleranceGrad = toleranceGrad;
        this.toleranceChange = toleranceChange;
        this.maxEvalOverride = maxEval;
    }

    @Override public String name() { return "lbfgs"; }

    /** Evaluations counted by the last {@link #minimize} call. */
    private int evaluations;
    public int evaluations() { return evaluations; }

    @Override
    public int minimize(float[] x, DifferentiableFunction f, int maxIter, IterationListener listener) {
        final int n = x.length;
        final int maxEval = maxEvalOverride > 0 ? maxEvalOverride : maxIter * 5 / 4;
        float[] g = new float[n];              // gradient at x
        float[] d = new float[n];              // search direction
        float[] prevG = new float[n];          // gradient at the previous iterate
        float[] xInit = new float[n];          // x at the start of a line search
        float[] gNew = new float[n], gPrev = new float[n], gLow = new float[n], gHigh = new float[n]; // line search
        float[][] oldDirs = new float[history][], oldStps = new float[history][]; // y_i, s_i (ring)
        double[] ro = new double[history], al = new double[history];
        int histStart = 0, histLen = 0;
        double hDiag = 1;

        double loss = f.evaluate(x, g);
        evaluations = 1;
        if (absMax(g) <= toleranceGrad) return 0;
        double t = 0, prevLoss;
        int iter = 0;
        while (iter < maxIter) {
            iter++;
            if (iter == 1) {
                for (int i = 0; i < n; i++) d[i] = -g[i];
                histLen = 0;
                hDiag = 1;
            } else {
                // y = g − prevG, s = t·d; keep the pair if the curvature ys is positive enough.
                double ys = 0, yy = 0;
                for (int i = 0; i < n; i++) {
                    float yi = g[i] - prevG[i], si = (float) (d[i] * t);
                    ys += (double) yi * si;
                    yy += (double) yi * yi;
                }
                if (ys > 1e-10) {
                    int slot;
                    if (histLen == history) {
                        slot = histStart;
                        histStart = (histStart + 1) % history;
                    } else {
                        slot = (histStart + histLen) % history;
                        histLen++;
                    }
                    if (oldDirs[slot] == null) {
                        oldDirs[slot] = new float[n];
                        oldStps[slot] = new float[n];
                    }
                    float[] yv = oldDirs[slot], sv = oldStps[slot];
                    for (int i = 0; i < n; i++) {
                        yv[i] = g[i] - prevG[i];
                        sv[i] = (float) (d[i] * t);
                    }
                    ro[slot] = 1.0 / ys;
                    hDiag = ys / yy;
                }
                twoLoopRecursion(d, g, oldStps, oldDirs, ro, al, histStart, histLen, hDiag);
            }
            System.arraycopy(g, 0, prevG, 0, n);
            prevLoss = loss;
            t = iter == 1 ? Math.min(1.0, 1.0 / absSum(g)) * lr : lr;
            double gtd = dot(g, d);
            if (gtd > -toleranceChange) break;

            System.arraycopy(x, 0, xInit, 0, n);
            LineSearch ls = new LineSearch(f, xInit, x, d, n, gNew, gPrev, gLow, gHigh);
            Step step = ls.strongWolfe(t, loss, g, gtd);
            loss = step.loss();
            t = step.t();
            evaluations += step.evaluations();
            // x = xInit + t·d; g = gradient there (as returned by the search)
            for (int i = 0; i < n; i++) x[i] = xInit[i] + (float) t * d[i];
            System.arraycopy(step.gradient(), 0, g, 0, n);
            boolean optCond = absMax(g) <= toleranceGrad;

            if (listener != null && !listener.iterationDone(iter, loss)) break;
            if (iter == maxIter) break;
            if (evaluations >= maxEval) break;
            if (optCond) break;
            if (absMax(d) * Math.abs(t) <= toleranceChange) break;
            if (Math.abs(loss - prevLoss) < toleranceChange) break;
        }
        return iter;
    }

    /**
     * The two-loop recursion (Nocedal & Wright, Algorithm 7.4): d := −H·g, H the inverse-Hessian approximation
     * built from the stored pairs s_i = x_{i+1} − x_i, y_i = g_{i+1} − g_i (ρ_i = 1 / yᵢᵀsᵢ), starting from
     * H₀ = hDiag·I with hDiag = yᵀs / yᵀy of the newest pair:
     * <pre>
     *   q = −g;  for i newest → oldest:  α_i = ρ_i sᵢᵀq;  q −= α_i yᵢ
     *   r = hDiag·q;  for i oldest → newest:  β = ρ_i yᵢᵀr;  r += (α_i − β) sᵢ
     * </pre>
     * The pairs sit in rings ({@code start} the oldest, {@code len} of them); {@code alpha} is scratch.
     */
    static void twoLoopRecursion(float[] d, float[] g, float[][] s, float[][] y, double[] ro, double[] alpha,
                                 int start, int len, double hDiag) {
        int history = s.length;
        for (int i = 0; i < d.length; i++) d[i] = -g[i];
        for (int k = len - 1; k >= 0; k--) {
            int i = (start + k) % history;
            alpha[i] = dot(s[i], d) * ro[i];
            axpy(d, y[i], -alpha[i]);
        }
        for (int i = 0; i < d.length; i++) d[i] = (float) (d[i] * hDiag);
        for (int k = 0; k < len; k++) {
            int i = (start + k) % history;
            double be = dot(y[i], d) * ro[i];
            axpy(d, s[i], alpha[i] - be);
        }
    }

    /**
     * What a line search found: the step t along d, the loss f(x₀ + t·d) and its gradient there (a scratch
     * vector of the search: copy it before the next search), and the evaluations it took.
     */
    record Step(double t, double loss, float[] gradient, int evaluations) {}

    /** torch's _strong_wolfe with c1 = 1e-4, c2 = 0.9, max_ls = 25; scratch vectors supplied by the caller. */
    private final class LineSearch {
        final DifferentiableFunction f;
        final float[] x0, xTry, d;
        final int n;
        float[] gNew, gPrev, gLow, gHigh;

        LineSearch(DifferentiableFunction f, float[] x0, float[] xTry, float[] d, int n, float[] gNew, float[] gPrev, float[] gLow, float[] gHigh) {
            this.f = f;
            this.x0 = x0;
            this.xTry = xTry;
            this.d = d;
            this.n = n;
            this.gNew = gNew;
            this.gPrev = gPrev;
            this.gLow = gLow;
            this.gHigh = gHigh;
        }

        /** f(x0 + t·d) into gOut. */
        double eval(double t, float[] gOut) {
            float tf = (float) t;
            for (int i = 0; i < n; i++) xTry[i] = x0[i] + tf * d[i];
            return f.evaluate(xTry, gOut);
        }

        /** A step satisfying the strong Wolfe conditions (or the best found within max_ls evaluations). */
        Step strongWolfe(double t, double f0, float[] g0, double gtd0) {
            final double c1 = 1e-4, c2 = 0.9;
            final int maxLs = 25;
            double dNorm = absMax(d);
            double fNew = eval(t, gNew);
            int evals = 1;
            double gtdNew = dot(gNew, d);
            double tPrev = 0, fPrev = f0, gtdPrev = gtd0;
            System.arraycopy(g0, 0, gPrev, 0, n);
            boolean done = false;
            int lsIter = 0;
            // bracket[0] = low candidate, bracket[1] = high candidate (as torch's two-element lists)
            double[] br = new double[2], brF = new double[2], brGtd = new double[2];
            float[][] brG = {gLow, gHigh};
            int brLen = 0;
            while (lsIter < maxLs) {
                if (fNew > f0 + c1 * t * gtd0 || (lsIter > 1 && fNew >= fPrev)) {
                    br[0] = tPrev; brF[0] = fPrev; brGtd[0] = gtdPrev; System.arraycopy(gPrev, 0, brG[0], 0, n);
                    br[1] = t; brF[1] = fNew; brGtd[1] = gtdNew; System.arraycopy(gNew, 0, brG[1], 0, n);
                    brLen = 2;
                    break;
                }
                if (Math.abs(gtdNew) <= -c2 * gtd0) {
                    br[0] = t; brF[0] = fNew; brGtd[0] = gtdNew; System.arraycopy(gNew, 0, brG[0], 0, n);
                    brLen = 1;
                    done = true;
                    break;
                }
                if (gtdNew >= 0) {
                    br[0] = tPrev; brF[0] = fPrev; brGtd[0] = gtdPrev; System.arraycopy(gPrev, 0, brG[0], 0, n);
                    br[1] = t; brF[1] = fNew; brGtd[1] = gtdNew; System.arraycopy(gNew, 0, brG[1], 0, n);
                    brLen = 2;
                    break;
                }
                double minStep = t + 0.01 * (t - tPrev), maxStep = t * 10;
                double tmp = t;
                t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
                tPrev = tmp;
                fPrev = fNew;
                float[] sw = gPrev; gPrev = gNew; gNew = sw;      // g_prev = g_new (swap storage)
                gtdPrev = gtdNew;
                fNew = eval(t, gNew);
                evals++;
                gtdNew = dot(gNew, d);
                lsIter++;
            }
            if (lsIter == maxLs) {
                br[0] = 0; brF[0] = f0; System.arraycopy(g0, 0, brG[0], 0, n);
                br[1] = t; brF[1] = fNew; System.arraycopy(gNew, 0, brG[1], 0, n);
                brLen = 2;
            }
            int low = 0, high = 1;
            if (brLen == 2 && !(brF[0] <= brF[1])) { low = 1; high = 0; }
            boolean insufProgress = false;
            while (!done && lsIter < maxLs) {
                if (Math.abs(br[1] - br[0]) * dNorm < toleranceChange) break;
                t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1],
                        Math.min(br[0], br[1]), Math.max(br[0], br[1]));
                double bMax = Math.max(br[0], br[1]), bMin = Math.min(br[0], br[1]);
                double eps = 0.1 * (bMax - bMin);
                if (Math.min(bMax - t, t - bMin) < eps) {
                    if (insufProgress || t >= bMax || t <= bMin) {
                        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
                        insufProgress = false;
                    } else {
                        insufProgress = true;
                    }
                } else {
                    insufProgress = false;
                }
                fNew = eval(t, gNew);
                evals++;
                gtdNew = dot(gNew, d);
                lsIter++;
                if (fNew > f0 + c1 * t * gtd0 || fNew >= brF[low]) {
                    br[high] = t; brF[high] = fNew; brGtd[high] = gtdNew; System.arraycopy(gNew, 0, brG[high], 0, n);
                    if (brF[0] <= brF[1]) { low = 0; high = 1; } else { low = 1; high = 0; }
                } else {
                    if (Math.abs(gtdNew) <= -c2 * gtd0) {
                        done = true;
                    } else if (gtdNew * (br[high] - br[low]) >= 0) {
                        br[high] = br[low]; brF[high] = brF[low]; brGtd[high] = brGtd[low];
                        System.arraycopy(brG[low], 0, brG[high], 0, n);
                    }
                    br[low] = t; brF[low] = fNew; brGtd[low] = gtdNew; System.arraycopy(gNew, 0, brG[low], 0, n);
                }
            }
            return new Step(br[low], brF[low], brG[low], evals);
        }
    }

    /** Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to [lo, hi]; the midpoint if none. */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos = x1 <= x2
                    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.min(Math.max(minPos, lo), hi);
        }
        return (lo + hi) / 2;
    }

    /**
     * Σ a[i]·b[i] in double. Four partial sums: one running sum is a chain of dependent double adds (about
     * 4 cycles an element), and the two-loop recursion takes 2 · history of these over the whole image per
     * iteration (0.26 s at 512 px with history 100); four chains let the adds overlap.
     */
    static double dot(float[] a, float[] b) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int n = a.length, i = 0;
        for (; i <= n - 4; i += 4) {
            s0 += (double) a[i] * b[i];
            s1 += (double) a[i + 1] * b[i + 1];
            s2 += (double) a[i + 2] * b[i + 2];
            s3 += (double) a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) s0 += (double) a[i] * b[i];
        return (s0 + s1) + (s2 + s3);
    }

    static void axpy(float[] y, float[] x, double a) {
        float af = (float) a;
        for (int i = 0; i < y.length; i++) y[i] += af * x[i];
    }

    static double absMax(float[] v) {
        double m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    static double absSum(float[] v) {
        double s = 0;
        for (float f : v) s += Math.abs(f);
        return s;
    }
}
