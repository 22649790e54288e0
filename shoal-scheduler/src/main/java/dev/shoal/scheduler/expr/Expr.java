package dev.shoal.scheduler.expr;

import java.util.regex.Pattern;

/**
 * One parsed rule {@code key==value}, {@code key!=value}, soft {@code key==~value} / {@code key!=~value}.
 * Keys are at least 2 characters ({@code [A-Za-z_][A-Za-z0-9_.-]+}); values are literals, globs or {@code /regex/}.
 * {@code \!} reads as {@code !} (see {@link #unescapeBang}).
 *
 * @param source the expression as written (used in messages, e.g. {@code [node==node1]})
 */
public record Expr(String source, String key, boolean negated, boolean soft, Matcher matcher, String value) {
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]+");

    /** Parses a constraint ({@code kind = "constraint"}) or affinity ({@code kind = "affinity"}) expression. */
    public static Expr parse(String kind, String text) {
        if (text == null) {
            throw new ParseException(kind, "null", "empty expression");
        }
        String source = unescapeBang(text.strip());
        int eq = source.indexOf("==");
        int ne = source.indexOf("!=");
        int at;
        boolean negated;
        if (eq < 0 && ne < 0) {
            throw new ParseException(kind, source, "expected key==value or key!=value (soft: ==~ / !=~)");
        } else if (ne < 0 || (eq >= 0 && eq < ne)) {
            at = eq;
            negated = false;
        } else {
            at = ne;
            negated = true;
        }
        String key = source.substring(0, at).strip();
        String value = source.substring(at + 2).strip();
        boolean soft = value.startsWith("~");
        if (soft) {
            value = value.substring(1).strip();
        }
        if (!KEY.matcher(key).matches()) {
            throw new ParseException(kind, source, key.isEmpty() ? "missing key"
                    : "invalid key \"" + key + "\" (at least 2 characters: letters, digits, '_', '-', '.')");
        }
        if (value.isEmpty()) {
            throw new ParseException(kind, source, "missing value");
        }
        if (value.startsWith("=") || value.startsWith("!")) {
            throw new ParseException(kind, source, "unexpected operator in value \"" + value + "\"");
        }
        if (value.equals("/")) {
            throw new ParseException(kind, source, "empty regular expression");
        }
        return new Expr(source, key, negated, soft, Matcher.compile(value, kind, source), value);
    }

    /**
     * {@code container\!=c1} → {@code container!=c1}: the backslash an interactive shell leaves before {@code !}
     * (history expansion) is dropped, so {@code \!=} reads as {@code !=}. An escaped backslash ({@code \\!})
     * stays as it is; nothing else changes.
     */
    public static String unescapeBang(String text) {
        int at = text.indexOf('\\');
        if (at < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length());
        sb.append(text, 0, at);
        for (int i = at; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(++i);
                if (next != '!') {
                    sb.append(c);
                }
                sb.append(next);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public static Expr constraint(String text) {
        return parse("constraint", text);
    }

    public static Expr affinity(String text) {
        return parse("affinity", text);
    }

    /** Whether a node/container whose value for {@link #key} is {@code actual} (null = absent) satisfies this. */
    public boolean test(String actual) {
        boolean m = actual != null && matcher.matches(actual);
        return negated != m;
    }

    /** {@code key==value} / {@code key!=value} without the soft marker: equal rules share compiled node sets. */
    public String canonical() {
        return key + (negated ? "!=" : "==") + value;
    }
}
