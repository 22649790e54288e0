package dev.shoal.scheduler.model;

/** A reference to another container that forces the same node: --volumes-from, --link, --net/--ipc container:X. */
public record Dependency(Kind kind, String container) {
    public enum Kind {
        VOLUMES_FROM("volumes-from"), LINK("link"), NET("net container"), IPC("ipc container");

        private final String flag;

        Kind(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }
    }

    public Dependency {
        if (kind == null || container == null || container.isEmpty()) {
            throw new IllegalArgumentException("dependency needs a kind and a container");
        }
        if (container.startsWith("/")) {
            container = container.substring(1);
        }
    }

    /** {@code --volumes-from web:ro} → {@code web}. */
    public static Dependency volumesFrom(String spec) {
        int colon = spec.indexOf(':');
        return new Dependency(Kind.VOLUMES_FROM, colon < 0 ? spec : spec.substring(0, colon));
    }

    /** {@code --link db:alias} → {@code db}. */
    public static Dependency link(String spec) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        return new Dependency(Kind.LINK, name.startsWith("/") ? name.substring(1) : name);
    }

    @Override
    public String toString() {
        return kind.flag() + " " + container;
    }
}
