package nst.convert;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Converts one file in a JVM of its own (FullSizeTest starts it with a small -Xmx) and prints the wall time,
 * the peak heap use summed over the heap pools (which includes garbage not yet collected, so it tracks the
 * -Xmx cap) and the peak live heap: the largest heap use right after a garbage collection, what the
 * converter really holds. Leaves out checking the output.
 */
public final class FullSizeProbe {
    private FullSizeProbe() {}

    public static void main(String[] args) throws Exception {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        AtomicLong peakLive = new AtomicLong(), collections = new AtomicLong();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
            ((NotificationEmitter) gc).addNotificationListener((n, hb) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long after = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet())
                    if (heapPools.contains(e.getKey())) after += e.getValue().getUsed();
                peakLive.accumulateAndGet(after, Math::max);
                collections.incrementAndGet();
            }, null, null);

        long t0 = System.nanoTime();
        Converter.Result r = Converter.convert(Path.of(args[0]), Path.of(args[1]), Converter.Options.defaults());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        Thread.sleep(200);    // GC notifications arrive on a JMX thread
        System.out.printf("converted %s: %s, %d parameters in %.2f s; peak heap %d bytes; peak live heap %d bytes over %d collections; max heap %d bytes%n",
                args[0], r.arch(), r.parameters(), seconds, peak, peakLive.get(), collections.get(), Runtime.getRuntime().maxMemory());
        System.out.println("PROBE " + seconds + " " + peak + " " + peakLive.get() + " " + collections.get());
    }
}
