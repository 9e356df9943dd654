package nst.app;

import nst.kernels.Backends;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nst backends}: what was found on this machine and why anything was skipped. */
@Command(name = "backends", description = "List the compute backends found here.")
final class BackendsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Backends.report().forEach(System.out::println);
        return 0;
    }
}
