package nst.convert;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/**
 * Converts one file in a JVM of its own (FullSizeTest starts it with a small -Xmx) and prints the
 * wall time and the peak heap use summed over the heap pools. Leaves out checking the output.
 */
public final class FullSizeProbe {
    private FullSizeProbe() {}

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Converter.Result r = Converter.convert(Path.of(args[0]), Path.of(args[1]), Converter.Options.defaults());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        System.out.printf("converted %s: %s, %d parameters in %.2f s; peak heap %d bytes; max heap %d bytes%n",
                args[0], r.arch(), r.parameters(), seconds, peak, Runtime.getRuntime().maxMemory());
        System.out.println("PROBE " + seconds + " " + peak);
    }
}
