package dev.shoal.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * Shoal's log, set up in code rather than from a logback.xml: one quiet line per event on stderr, the libraries at WARN,
 * Shoal at {@code -Dshoal.log.level} (default INFO). Reading an XML configuration loads logback's Joran machinery and
 * the JDK's XML parser, some 600 classes (about 4 MB of metaspace and heap in every manager and agent) for five lines.
 * Found by logback through META-INF/services; it runs before, and instead of, any configuration file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_TOP_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        context.getStatusManager().add(new NopStatusListener());
        LevelChangePropagator jul = new LevelChangePropagator(); // java.util.logging (gRPC in Ratis) follows the levels
        jul.setContext(context);
        jul.setResetJUL(true);
        context.addListener(jul);
        jul.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
        err.setContext(context);
        err.setName("err");
        err.setTarget("System.err");
        err.setEncoder(encoder);
        err.start();

        for (String quiet : new String[] {"org.apache.ratis", "io.netty", "com.github.dockerjava"}) {
            context.getLogger(quiet).setLevel(Level.WARN);
        }
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("shoal.log.level", "INFO"), Level.INFO));
        root.addAppender(err);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
