package dev.shoal.manager.api;

import dev.shoal.manager.errors.DockerException;

import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.api.containers.ContainersApi;
import dev.shoal.manager.api.images.ImagesApi;
import dev.shoal.manager.api.networks.NetworksApi;
import dev.shoal.manager.api.nodes.NodesApi;
import dev.shoal.manager.api.volumes.VolumesApi;
import dev.shoal.manager.api.system.SystemApi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The route table: which part of the manager answers each Docker API path. Container and image names may
 * contain '/' (node/name, registry/repo), so their patterns match lazily up to a known action.
 */
public final class ApiRoutes implements Router {
    private interface Handler {
        void handle(Exchange ex, Matcher m) throws Exception;
    }

    /** A route either serves its endpoint or refuses it at once with a message naming what is unsupported. */
    private record Route(String method, Pattern pattern, Handler handler, boolean refusal) { }

    /** How the manager answers a method and path: served, refused on purpose, or refused as not known. */
    public enum Answer { SERVED, REFUSED, UNKNOWN }

    private static final String CONTAINER_ACTIONS =
            "start|stop|restart|kill|pause|unpause|wait|attach|attach/ws|resize|top|logs|stats|changes|export|archive|update";

    private final List<Route> routes = new ArrayList<>();
    private final Cluster cluster;

    public ApiRoutes(Cluster cluster) {
        this.cluster = cluster;
        SystemApi system = new SystemApi(cluster);
        ContainersApi containers = new ContainersApi(cluster);
        ImagesApi images = new ImagesApi(cluster);
        NetworksApi networks = new NetworksApi(cluster);
        VolumesApi volumes = new VolumesApi(cluster);

        add("GET", "/_ping", (ex, m) -> system.ping(ex));
        add("HEAD", "/_ping", (ex, m) -> system.ping(ex));
        add("GET", "/version", (ex, m) -> system.version(ex));
        add("GET", "/info", (ex, m) -> system.info(ex));
        add("GET", "/events", (ex, m) -> system.events(ex));
        add("GET", "/system/df", (ex, m) -> system.df(ex));
        add("POST", "/auth", (ex, m) -> images.anyNode(ex));

        add("GET", "/containers/json", (ex, m) -> containers.list(ex));
        add("POST", "/containers/create", (ex, m) -> containers.create(ex));
        add("POST", "/containers/prune", (ex, m) -> containers.prune(ex));
        add("POST", "/commit", (ex, m) -> containers.commit(ex));
        add("GET", "/containers/(.+?)/json", (ex, m) -> containers.inspect(ex, ref(m)));
        add("POST", "/containers/(.+?)/rename", (ex, m) -> containers.rename(ex, ref(m)));
        add("POST", "/containers/(.+?)/exec", (ex, m) -> containers.execCreate(ex, ref(m)));
        add("*", "/containers/(.+?)/(" + CONTAINER_ACTIONS + ")",
                (ex, m) -> containers.forward(ex, ref(m), "/" + m.group(2)));
        add("DELETE", "/containers/(.+)", (ex, m) -> containers.delete(ex, ref(m)));
        // removed in API 1.24 (docker cp uses /archive): dockerd answers a bare 404 from 1.24 on, before any lookup
        add("POST", "/containers/(.+?)/copy", (ex, m) -> containers.copy(ex));
        add("*", "/exec/([^/]+)/(start|resize|json)", (ex, m) -> containers.forwardExec(ex, m.group(1), "/" + m.group(2)));

        add("GET", "/images/json", (ex, m) -> images.list(ex));
        add("POST", "/images/load", (ex, m) -> images.load(ex));
        add("POST", "/images/create", (ex, m) -> images.pull(ex));
        add("POST", "/images/prune", (ex, m) -> images.prune(ex));
        add("GET", "/images/search", (ex, m) -> images.anyNode(ex));
        add("GET", "/images/get", (ex, m) -> images.saveMany(ex));
        add("GET", "/images/(.+?)/json", (ex, m) -> images.inspect(ex, m.group(1)));
        add("GET", "/images/(.+?)/history", (ex, m) -> images.forward(ex, m.group(1), "/history"));
        add("GET", "/images/(.+?)/get", (ex, m) -> images.forward(ex, m.group(1), "/get"));
        add("POST", "/images/(.+?)/push", (ex, m) -> images.push(ex, m.group(1)));
        add("POST", "/images/(.+?)/tag", (ex, m) -> images.tag(ex, m.group(1)));
        add("DELETE", "/images/(.+)", (ex, m) -> images.delete(ex, m.group(1)));

        add("GET", "/networks", (ex, m) -> networks.list(ex));
        add("POST", "/networks/create", (ex, m) -> networks.create(ex));
        add("POST", "/networks/prune", (ex, m) -> networks.prune(ex));
        add("POST", "/networks/(.+?)/(connect|disconnect)", (ex, m) -> networks.connect(ex, ref(m), m.group(2)));
        add("GET", "/networks/(.+)", (ex, m) -> networks.inspect(ex, ref(m)));
        add("DELETE", "/networks/(.+)", (ex, m) -> networks.delete(ex, ref(m)));

        add("GET", "/volumes", (ex, m) -> volumes.list(ex));
        add("POST", "/volumes/create", (ex, m) -> volumes.create(ex));
        add("POST", "/volumes/prune", (ex, m) -> volumes.prune(ex));
        add("GET", "/volumes/(.+)", (ex, m) -> volumes.inspect(ex, ref(m)));
        add("DELETE", "/volumes/(.+)", (ex, m) -> volumes.delete(ex, ref(m)));

        // docker node rm: a node leaves the cluster and its certificates are revoked (the other /nodes paths wait for
        // swarm mode, below)
        NodesApi nodes = new NodesApi(cluster);
        add("DELETE", "/nodes/([^/]+)", (ex, m) -> nodes.delete(ex, ref(m)));

        // refused on purpose, at once, with what is unsupported named (never a hang or a misleading 404)
        refuse("/(swarm|nodes|services|tasks|secrets|configs)(/.*)?", 503, (method, path) -> "This node is not a "
                + "swarm manager: Shoal does not serve swarm mode yet (" + method + " " + path + "); its containers, "
                + "images and scheduling work without it");
        refuse("/plugins(/.*)?", 501, (method, path) -> "plugins are not supported by Shoal (" + method + " " + path
                + "): manage them on each engine");
        refuse("/distribution/.+", 501, (method, path) -> "distribution lookups are not supported by Shoal ("
                + method + " " + path + ")");
        add("POST", "/build", (ex, m) -> images.build(ex));
        add("POST", "/build/prune", (ex, m) -> images.buildPrune(ex));
        refuse("/session", 501, (method, path) -> "BuildKit sessions are not supported by Shoal (" + method + " "
                + path + "): build with the classic builder (DOCKER_BUILDKIT=0)");
    }

    private interface Refusal {
        String message(String method, String path);
    }

    private void refuse(String regex, int status, Refusal refusal) {
        routes.add(new Route("*", Pattern.compile(regex), (ex, m) -> {
            throw new DockerException(status, refusal.message(ex.method().name(), ex.path()));
        }, true));
    }

    /** How {@code method path} (without the /vX.Y prefix) is answered: for the API coverage table's test. */
    public Answer answer(String method, String path) {
        for (Route r : routes) {
            if ((r.method().equals("*") || r.method().equals(method)) && r.pattern().matcher(path).matches()) {
                return r.refusal() ? Answer.REFUSED : Answer.SERVED;
            }
        }
        return Answer.UNKNOWN;
    }

    private static String ref(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private void add(String method, String regex, Handler handler) {
        routes.add(new Route(method, Pattern.compile(regex), handler, false));
    }

    /** A pull, tag, removal, load, import, build or commit: which node holds which image may change. */
    private static boolean changesImages(String method, String path) {
        return !method.equals("GET") && !method.equals("HEAD")
                && (path.startsWith("/images/") || path.equals("/build") || path.equals("/commit"));
    }

    @Override
    public void handle(Exchange ex) throws Exception {
        String method = ex.method().name();
        for (Route r : routes) {
            if (!r.method().equals("*") && !r.method().equals(method)) {
                continue;
            }
            Matcher m = r.pattern().matcher(ex.path());
            if (m.matches()) {
                if (changesImages(method, ex.path())) {
                    cluster.placer().images().markAllStale();
                }
                r.handler().handle(ex, m);
                return;
            }
        }
        // worded so the CLI's untyped `docker inspect X` skips it, as it skips "not supported" answers
        throw new DockerException(501, method + " " + ex.path() + " is not supported by Shoal yet");
    }
}
