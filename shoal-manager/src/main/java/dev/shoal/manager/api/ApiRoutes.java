package dev.shoal.manager.api;

import dev.shoal.manager.Cluster;
import dev.shoal.manager.api.containers.ContainersApi;
import dev.shoal.manager.api.images.ImagesApi;
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

    private record Route(String method, Pattern pattern, Handler handler) { }

    private static final String CONTAINER_ACTIONS =
            "start|stop|restart|kill|pause|unpause|wait|attach|attach/ws|resize|top|logs|stats|changes|export|archive|update";

    private final List<Route> routes = new ArrayList<>();

    public ApiRoutes(Cluster cluster) {
        SystemApi system = new SystemApi(cluster);
        ContainersApi containers = new ContainersApi(cluster);
        ImagesApi images = new ImagesApi(cluster);

        add("GET", "/_ping", (ex, m) -> system.ping(ex));
        add("HEAD", "/_ping", (ex, m) -> system.ping(ex));
        add("GET", "/version", (ex, m) -> system.version(ex));
        add("GET", "/info", (ex, m) -> system.info(ex));
        add("GET", "/events", (ex, m) -> system.events(ex));

        add("GET", "/containers/json", (ex, m) -> containers.list(ex));
        add("POST", "/containers/create", (ex, m) -> containers.create(ex));
        add("GET", "/containers/(.+?)/json", (ex, m) -> containers.inspect(ex, ref(m)));
        add("POST", "/containers/(.+?)/rename", (ex, m) -> containers.rename(ex, ref(m)));
        add("POST", "/containers/(.+?)/exec", (ex, m) -> containers.execCreate(ex, ref(m)));
        add("*", "/containers/(.+?)/(" + CONTAINER_ACTIONS + ")",
                (ex, m) -> containers.forward(ex, ref(m), "/" + m.group(2)));
        add("DELETE", "/containers/(.+)", (ex, m) -> containers.delete(ex, ref(m)));
        add("*", "/exec/([^/]+)/(start|resize|json)", (ex, m) -> containers.forwardExec(ex, m.group(1), "/" + m.group(2)));

        add("GET", "/images/json", (ex, m) -> images.list(ex));
        add("POST", "/images/load", (ex, m) -> images.load(ex));
        add("POST", "/images/create", (ex, m) -> images.pull(ex));
        add("GET", "/images/(.+?)/json", (ex, m) -> images.inspect(ex, m.group(1)));
        add("GET", "/images/(.+?)/history", (ex, m) -> images.forward(ex, m.group(1), "/history"));
        add("POST", "/images/(.+?)/tag", (ex, m) -> images.tag(ex, m.group(1)));
        add("DELETE", "/images/(.+)", (ex, m) -> images.delete(ex, m.group(1)));
    }

    private static String ref(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private void add(String method, String regex, Handler handler) {
        routes.add(new Route(method, Pattern.compile(regex), handler));
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
                r.handler().handle(ex, m);
                return;
            }
        }
        // worded so the CLI's untyped `docker inspect X` skips it, as it skips "not supported" answers
        throw new DockerException(501, method + " " + ex.path() + " is not supported by Shoal yet");
    }
}
