package dev.shoal.scheduler.expr;

/**
 * A malformed constraint or affinity expression. The manager answers it with 400 and this message,
 * which always names the expression; nothing malformed is ever silently ignored.
 */
public final class ParseException extends IllegalArgumentException {
    private final String expression;

    public ParseException(String kind, String expression, String reason) {
        super("malformed " + kind + " expression \"" + expression + "\": " + reason);
        this.expression = expression;
    }

    public String expression() {
        return expression;
    }

    /** The HTTP status the API answers with. */
    public int status() {
        return 400;
    }
}
