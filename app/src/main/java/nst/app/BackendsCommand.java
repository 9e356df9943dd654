package nst.app;

import nst.kernels.BackendProvider;
import nst.kernels.Backends;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nst backends}: what was found on this machine and why anything was skipped. */
@Command(name = "backends", description = "List the compute backends found here.")
final class BackendsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (BackendProvider p : Backends.providers()) {
            String why = p.unavailableReason();
            System.out.printf("%-8s priority %3d  %s%n", p.name(), p.priority(), why == null ? "available" : "unavailable: " + why);
        }
        return 0;
    }
}
