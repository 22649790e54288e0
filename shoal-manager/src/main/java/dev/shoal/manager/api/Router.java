package dev.shoal.manager.api;

/** Answers one exchange; runs on a virtual thread and may block. */
@FunctionalInterface
public interface Router {
    void handle(Exchange exchange) throws Exception;
}
