package dev.shoal.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The lab's iptables rules in the root namespace, each tagged {@code -m comment --comment shoal-lab} so that
 * teardown removes exactly those. Uses the {@code iptables} on PATH, the same one dockerd uses (on Debian 12
 * that is iptables-nft).
 */
final class Firewall {
    static final String IPTABLES = "iptables";
    static final List<String> TABLES = List.of("filter", "nat");

    private Firewall() {}

    /** Rules (table, then rule spec) that let lab hosts and their containers reach each other across shoal0. */
    static List<List<String>> labRules() {
        String br = LabLayout.BRIDGE;
        return List.of(
                List.of("filter", "FORWARD", "-i", br, "-o", br, "-j", "ACCEPT"),
                List.of("filter", "INPUT", "-i", br, "-j", "ACCEPT"));
    }

    static void install() {
        for (List<String> rule : labRules()) {
            List<String> cmd = new ArrayList<>(List.of(IPTABLES, "-w", "-t", rule.get(0), "-I", rule.get(1), "1"));
            cmd.addAll(rule.subList(2, rule.size()));
            cmd.addAll(List.of("-m", "comment", "--comment", LabLayout.FIREWALL_TAG));
            Sh.run(cmd);
        }
    }

    /** Deletes every rule carrying the lab's comment, in every table. */
    static void removeAll() {
        if (!Sh.has(IPTABLES)) return;
        for (String table : TABLES) {
            for (String rule : tagged(table)) {
                List<String> cmd = new ArrayList<>(List.of(IPTABLES, "-w", "-t", table));
                List<String> spec = new ArrayList<>(Arrays.asList(rule.split("\\s+")));
                spec.set(0, "-D");
                cmd.addAll(spec);
                Sh.run(cmd);
            }
        }
    }

    /** The {@code -A …} lines of {@code table} that carry the lab's comment. */
    static List<String> tagged(String table) {
        Sh.Result r = Sh.exec(IPTABLES, "-w", "-t", table, "-S");
        if (!r.ok()) return List.of();
        return r.out().lines().filter(Firewall::isLabRule).toList();
    }

    static boolean isLabRule(String line) {
        return line.startsWith("-A ") && Arrays.asList(line.split("\\s+")).contains(LabLayout.FIREWALL_TAG);
    }
}
