package nst.bench;

import nst.engine.image.Image;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.Objective;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.Backends;
import nst.kernels.ConvShape;
import nst.kernels.PoolShape;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where one loss evaluation spends its time: the side-by-side workload (VGG19 to relu5_1, random weights,
 * content relu4_2, style relu1_1…relu5_1) evaluated a few times through a timing proxy of the backend, with
 * seconds per op kind and per conv shape, and GFLOP/s for the convolutions. A profile, not a benchmark: the
 * proxy adds a call's overhead per op. Leaves out the optimiser (only {@code Objective.evaluate} is timed).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar nst.bench.EvalProfile
 * [SIZE=512] [EVALS=3] [BACKEND=simd] [THREADS=0]}
 */
public final class EvalProfile {
    private EvalProfile() {}

    /** Seconds and calls of one (op, shape) row. */
    private static final class Row { double seconds; long calls; double gflop; }

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int evals = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String backendName = args.length > 2 ? args[2] : "simd";
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Map<String, Row> rows = new LinkedHashMap<>();
        boolean[] recording = {false};
        Backend inner = Backends.create(backendName, threads, msg -> System.err.println(msg));
        InvocationHandler timing = (proxy, m, a) -> {
            long t0 = System.nanoTime();
            Object r;
            try {
                r = m.invoke(inner, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (recording[0]) {
                String key = m.getName();
                double gflop = 0;
                if (key.equals("gram")) key += " " + a[2] + "x" + a[3];                // gram(g, f, c, hw, scale)
                if (key.equals("gramBackward")) key += " " + a[3] + "x" + a[4];        // gramBackward(dF, dG, f, c, hw, scale)
                for (Object arg : a == null ? new Object[0] : a) {
                    if (arg instanceof ConvShape s) {
                        key += " " + s.inC() + "->" + s.outC() + " " + s.inH() + "x" + s.inW();
                        gflop = 2.0 * s.macs() / 1e9;
                    } else if (arg instanceof PoolShape s) {
                        key += " " + s.c() + "x" + s.h() + "x" + s.w();
                    }
                }
                Row row = rows.computeIfAbsent(key, k -> new Row());
                row.seconds += (System.nanoTime() - t0) / 1e9;
                row.calls++;
                row.gflop += gflop;
            }
            return r;
        };
        Backend backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, timing);
        VggSpec spec = VggSpec.vgg19();
        VggWeights weights = VggWeights.random(spec, 0, Preprocess.TORCHVISION);
        Objective.Config cfg = new Objective.Config(LayerWeight.parseList("relu4_2", "content"),
                LayerWeight.parseList("relu1_1,relu2_1,relu3_1,relu4_1,relu5_1", "style"), 1, 1e6, 1e-4);
        Image content = noise(size, 1), style = noise(size, 2);
        try (VggNetwork net = new VggNetwork(backend, weights, Pooling.MAX);
             Objective o = new Objective(net, cfg, content, List.of(style), new double[] {1})) {
            float[] x = content.rgb().clone(), g = new float[x.length];
            o.evaluate(x, g);                                          // warm-up: JIT, weight transforms, scratch
            o.evaluate(x, g);
            recording[0] = true;
            long t0 = System.nanoTime();
            for (int e = 0; e < evals; e++) o.evaluate(x, g);
            double total = (System.nanoTime() - t0) / 1e9 / evals;
            recording[0] = false;
            report(rows, evals, total, size, inner.description());
        } finally {
            inner.close();
        }
    }

    private static void report(Map<String, Row> rows, int evals, double total, int size, String backend) {
        System.out.printf(Locale.ROOT, "%s, %d px, %.3f s per evaluation (mean of %d)%n", backend, size, total, evals);
        List<Map.Entry<String, Row>> sorted = new ArrayList<>(rows.entrySet());
        sorted.sort((p, q) -> Double.compare(q.getValue().seconds, p.getValue().seconds));
        Map<String, Double> byOp = new LinkedHashMap<>();
        double counted = 0;
        for (Map.Entry<String, Row> e : sorted) {
            String op = e.getKey().split(" ")[0];
            byOp.merge(op, e.getValue().seconds / evals, Double::sum);
            counted += e.getValue().seconds / evals;
        }
        System.out.printf(Locale.ROOT, "%-28s %9s %6s%n", "op", "s/eval", "share");
        for (Map.Entry<String, Double> e : byOp.entrySet())
            System.out.printf(Locale.ROOT, "%-28s %9.4f %5.1f%%%n", e.getKey(), e.getValue(), 100 * e.getValue() / total);
        System.out.printf(Locale.ROOT, "%-28s %9.4f %5.1f%%%n", "(outside backend ops)", total - counted, 100 * (total - counted) / total);
        System.out.printf(Locale.ROOT, "%n%-40s %9s %7s %8s%n", "op and shape", "s/eval", "calls", "GFLOP/s");
        for (Map.Entry<String, Row> e : sorted) {
            Row r = e.getValue();
            if (r.seconds / evals < 0.002) continue;
            System.out.printf(Locale.ROOT, "%-40s %9.4f %7d %8s%n", e.getKey(), r.seconds / evals, r.calls / evals,
                    r.gflop > 0 ? String.format(Locale.ROOT, "%.0f", r.gflop / r.seconds) : "");
        }
    }

    /** A deterministic (3, size, size) image in [0, 1]. */
    private static Image noise(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] rgb = new float[3 * size * size];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (float) r.nextDouble();
        return new Image(size, size, rgb);
    }
}
