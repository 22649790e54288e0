package dev.shoal.cli;

import dev.shoal.lab.Lab;
import dev.shoal.lab.LabLayout;
import dev.shoal.lab.Sh;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code shoal lab up|status|cut|heal|down}: a real N-host cluster on this one Linux machine (needs root). */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "A real N-host cluster on this machine: one network namespace and dockerd per host, "
                + "a Shoal manager and one agent per host. Needs root.",
        subcommands = {LabCommand.Up.class, LabCommand.Status.class, LabCommand.Cut.class, LabCommand.Heal.class, LabCommand.Restart.class,
                LabCommand.Down.class})
final class LabCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    static Lab lab() {
        return new Lab(line -> System.err.println("lab: " + line));
    }

    /** Runs a lab action and turns a failed command into a message and exit code 1. */
    static int guarded(Callable<Integer> action) {
        try {
            return action.call();
        } catch (Sh.Failed | IllegalArgumentException e) {
            System.err.println("shoal lab: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("shoal lab: " + e);
            return 1;
        }
    }

    /** The lab manager's scheduling options, shared by {@code up} and {@code restart manager} (kept across restarts). */
    static final class ManagerPolicy {
        @Option(names = "--strategy", paramLabel = "spread|binpack|random",
                description = "the manager's placement strategy (default: spread; kept for later restarts)")
        String strategy;
        @Option(names = "--unschedulable", paramLabel = "queue|fail",
                description = "what the manager does with a container no node fits (default: queue; kept)")
        String unschedulable;

        boolean given() {
            return strategy != null || unschedulable != null;
        }

        /** As extra `shoal manage` options. */
        java.util.List<String> asManageOptions() {
            java.util.List<String> out = new java.util.ArrayList<>();
            if (strategy != null) {
                if (!java.util.List.of("spread", "binpack", "random").contains(strategy)) {
                    throw new IllegalArgumentException("unknown strategy \"" + strategy + "\": spread, binpack or random");
                }
                out.add("--strategy=" + strategy);
            }
            if (unschedulable != null) {
                if (!java.util.List.of("queue", "fail").contains(unschedulable)) {
                    throw new IllegalArgumentException("--unschedulable takes queue or fail, not \"" + unschedulable + "\"");
                }
                out.add("--unschedulable=" + unschedulable);
            }
            return out;
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Bring up a fresh lab (clearing whatever an earlier lab left) and print the DOCKER_HOST export.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "3", description = "number of hosts (default ${DEFAULT-VALUE})")
        int nodes;
        @Option(names = "--no-manager", description = "only namespaces, engines and images; no manager or agents")
        boolean noManager;
        @Option(names = "--no-wait", description = "do not wait for the manager to list every node")
        boolean noWait;
        @Option(names = "--wait-seconds", defaultValue = "60", description = "how long to wait for the nodes (default ${DEFAULT-VALUE})")
        int waitSeconds;
        @picocli.CommandLine.Mixin ManagerPolicy policy;

        @Override public Integer call() {
            return guarded(() -> {
                long start = System.nanoTime();
                String dockerHost = lab().up(new Lab.UpOptions(nodes, !noManager, !noWait, Duration.ofSeconds(waitSeconds),
                        policy.asManageOptions()));
                System.err.printf("lab: up in %.1f s%n", (System.nanoTime() - start) / 1e9);
                System.out.println("export DOCKER_HOST=" + dockerHost);
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show each node, its address, engine, agent and link, and the manager. Exit 0 when "
                    + "the lab is up and healthy, 1 otherwise.")
    static final class Status implements Callable<Integer> {
        @Override public Integer call() {
            return guarded(() -> {
                Lab.Status s = lab().status();
                if (!s.isUp()) {
                    System.out.println("no lab is up");
                    return 1;
                }
                boolean withManager = s.state().orElseThrow().manager();
                System.out.println("manager  " + (withManager ? LabLayout.managerDockerHost() + "  "
                        + (s.managerUp() ? "up" : "DOWN") : "none (--no-manager)"));
                System.out.printf("%-7s %-12s %-7s %-6s %s%n", "NODE", "ADDRESS", "ENGINE", "AGENT", "LINK");
                for (Lab.HostStatus h : s.hosts()) {
                    System.out.printf("%-7s %-12s %-7s %-6s %s%n", h.name(), h.address(), h.engineUp() ? "up" : "DOWN",
                            withManager ? (h.agentUp() ? "up" : "DOWN") : "-", h.cut() ? "CUT" : "ok");
                }
                return s.healthy() ? 0 : 1;
            });
        }
    }

    @Command(name = "cut", mixinStandardHelpOptions = true,
            description = "Take a node's link off the lab network; its engine and agent keep running.")
    static final class Cut implements Callable<Integer> {
        @Parameters(paramLabel = "NODE", description = "node<N>") String node;

        @Override public Integer call() {
            return guarded(() -> {
                lab().cut(node);
                System.err.println("lab: " + node + " cut");
                return 0;
            });
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Kill the manager or a node's agent with SIGKILL, as a crash would, and start it again.")
    static final class Restart implements Callable<Integer> {
        @Parameters(paramLabel = "manager|NODE", description = "manager, or node<N> for that node's agent") String target;
        @picocli.CommandLine.Mixin ManagerPolicy policy;

        @Override public Integer call() {
            return guarded(() -> {
                long start = System.nanoTime();
                if (policy.given() && !target.equals("manager")) {
                    throw new IllegalArgumentException("--strategy and --unschedulable apply to the manager only");
                }
                lab().restart(target, policy.given() ? policy.asManageOptions() : null);
                System.err.printf("lab: %s restarted in %.1f s%n", target, (System.nanoTime() - start) / 1e9);
                return 0;
            });
        }
    }

    @Command(name = "heal", mixinStandardHelpOptions = true, description = "Put a cut node's link back.")
    static final class Heal implements Callable<Integer> {
        @Parameters(paramLabel = "NODE", description = "node<N>") String node;

        @Override public Integer call() {
            return guarded(() -> {
                lab().heal(node);
                System.err.println("lab: " + node + " healed");
                return 0;
            });
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop and remove everything the lab made (fine to run twice, or with no lab).")
    static final class Down implements Callable<Integer> {
        @Override public Integer call() {
            return guarded(() -> {
                long start = System.nanoTime();
                lab().down();
                System.err.printf("lab: down in %.1f s%n", (System.nanoTime() - start) / 1e9);
                return 0;
            });
        }
    }
}
