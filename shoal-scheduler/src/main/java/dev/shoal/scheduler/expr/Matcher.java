package dev.shoal.scheduler.expr;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The value side of an expression, compiled once: a literal, a glob ({@code *} = any run of characters,
 * whole value) or a regular expression {@code /…/} (found anywhere, as classic Swarm's regexp.MatchString).
 * Matching is case-sensitive.
 */
public sealed interface Matcher {
    boolean matches(String value);

    /** The literal when this is a plain literal (usable for index lookups), else null. */
    default String literal() {
        return null;
    }

    record Literal(String value) implements Matcher {
        @Override
        public boolean matches(String v) {
            return value.equals(v);
        }

        @Override
        public String literal() {
            return value;
        }
    }

    record Regex(Pattern pattern, boolean whole) implements Matcher {
        @Override
        public boolean matches(String v) {
            var m = pattern.matcher(v);
            return whole ? m.matches() : m.find();
        }
    }

    /** Compiles {@code value}; {@code kind}/{@code source} only name the expression in errors. */
    static Matcher compile(String value, String kind, String source) {
        if (value.length() >= 2 && value.startsWith("/") && value.endsWith("/")) {
            String body = value.substring(1, value.length() - 1);
            try {
                return new Regex(Pattern.compile(body), false);
            } catch (PatternSyntaxException e) {
                throw new ParseException(kind, source, "invalid regular expression /" + body + "/: "
                        + e.getDescription());
            }
        }
        if (value.indexOf('*') >= 0) {
            var sb = new StringBuilder();
            int start = 0;
            for (int i = value.indexOf('*'); i >= 0; i = value.indexOf('*', start)) {
                if (i > start) {
                    sb.append(Pattern.quote(value.substring(start, i)));
                }
                sb.append(".*");
                start = i + 1;
            }
            if (start < value.length()) {
                sb.append(Pattern.quote(value.substring(start)));
            }
            return new Regex(Pattern.compile(sb.toString(), Pattern.DOTALL), true);
        }
        return new Literal(value);
    }
}
