package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;

import java.util.List;

/** The lab network: bridge shoal0 in the root namespace and one namespace plus veth pair per host. */
final class Network {
    private Network() {}

    static void createBridge() {
        Sh.run("ip", "link", "add", LabLayout.BRIDGE, "type", "bridge");
        Sh.run("ip", "addr", "add", LabLayout.BRIDGE_ADDRESS + "/" + LabLayout.PREFIX_LENGTH, "dev", LabLayout.BRIDGE);
        Sh.run("ip", "link", "set", LabLayout.BRIDGE, "up");
    }

    /** Namespace, veth pair (host side on shoal0, inside renamed eth0), address, lo up, and no default route. */
    static void createHost(HostLayout h) {
        Sh.run("ip", "netns", "add", h.netns());
        Sh.run("ip", "link", "add", h.hostVeth(), "type", "veth", "peer", "name", h.peerVeth());
        Sh.run("ip", "link", "set", h.hostVeth(), "master", LabLayout.BRIDGE);
        Sh.run("ip", "link", "set", h.peerVeth(), "netns", h.netns());
        Sh.run("ip", "-n", h.netns(), "link", "set", h.peerVeth(), "name", "eth0");
        Sh.run("ip", "-n", h.netns(), "addr", "add", h.cidr(), "dev", "eth0");
        Sh.run("ip", "-n", h.netns(), "link", "set", "lo", "up");
        Sh.run("ip", "-n", h.netns(), "link", "set", "eth0", "up");
        Sh.run("ip", "link", "set", h.hostVeth(), "up");
    }

    /** Takes the host off the lab network; everything inside keeps running. */
    static void cut(HostLayout h) {
        Sh.run("ip", "link", "set", h.hostVeth(), "down");
    }

    static void heal(HostLayout h) {
        Sh.run("ip", "link", "set", h.hostVeth(), "up");
    }

    static boolean isCut(HostLayout h) {
        Sh.Result r = Sh.exec("ip", "-o", "link", "show", h.hostVeth());
        if (!r.ok()) return true;
        String out = r.out();
        int open = out.indexOf('<');
        int close = out.indexOf('>', open + 1);
        return open < 0 || close < 0 || !List.of(out.substring(open + 1, close).split(",")).contains("UP");
    }

    /** Namespaces whose name starts with shoal- (whatever an earlier lab left). */
    static List<String> labNamespaces() {
        Sh.Result r = Sh.exec("ip", "netns", "list");
        if (!r.ok()) return List.of();
        return r.out().lines().map(l -> l.split("\\s+")[0])
                .filter(n -> n.startsWith(LabLayout.NETNS_PREFIX)).toList();
    }

    /** Links in the root namespace named shoal0 or shl-*. */
    static List<String> labLinks() {
        Sh.Result r = Sh.exec("ip", "-o", "link", "show");
        if (!r.ok()) return List.of();
        return r.out().lines().map(l -> l.split(":\\s+", 3))
                .filter(parts -> parts.length >= 2)
                .map(parts -> parts[1].split("@")[0])
                .filter(n -> n.equals(LabLayout.BRIDGE) || n.startsWith(LabLayout.VETH_PREFIX)).toList();
    }

    static List<Long> pidsIn(String netns) {
        Sh.Result r = Sh.exec("ip", "netns", "pids", netns);
        if (!r.ok()) return List.of();
        return r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
    }

    static void deleteNamespace(String netns) {
        Sh.run("ip", "netns", "del", netns);
    }

    static void deleteLink(String link) {
        Sh.Result r = Sh.exec("ip", "link", "del", link);
        // deleting one end of a veth removes its peer too, so "cannot find device" is fine here
        if (!r.ok() && !r.err().contains("Cannot find device")) {
            throw new Sh.Failed("command failed: ip link del " + link + "\n  " + r.err().strip());
        }
    }
}
