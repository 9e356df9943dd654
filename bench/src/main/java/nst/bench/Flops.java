package nst.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A JMH auxiliary counter: benchmarks add the GFLOP of each call, JMH divides by time, so the result table
 * shows a {@code gflop} row in GFLOP/s next to the ops/s score. Leaves out anything but FLOP counting
 * (a multiply-add counts as 2 FLOP; Winograd is credited with the direct convolution's FLOP).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Flops {
    public double gflop;

    @Setup(Level.Iteration) public void reset() { gflop = 0; }
}
