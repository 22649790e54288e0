package dev.shoal.manager.errors;

/** An error answered to the client as the engine would: an HTTP status and {"message": …}. */
public final class DockerException extends RuntimeException {
    private final int status;

    public DockerException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static DockerException badRequest(String message) {
        return new DockerException(400, message);
    }

    public static DockerException notFound(String message) {
        return new DockerException(404, message);
    }

    public static DockerException conflict(String message) {
        return new DockerException(409, message);
    }

    public static DockerException noSuchContainer(String ref) {
        return new DockerException(404, "No such container: " + ref);
    }

    public static DockerException noSuchImage(String ref) {
        return new DockerException(404, "No such image: " + ref);
    }
}
