package io.weightbench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logging for the program: libraries (DJL, jhdf) only speak up for real problems, one line each
 * on stderr. Configured in code rather than by a logback.xml, whose XML parsing costs a listing's
 * cold start a few hundred milliseconds the first time a library asks for a logger. A
 * {@code logback-test.xml} on the class path (the tests') takes over instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        Stderr appender = new Stderr();
        appender.setContext(context);
        appender.setName("stderr");
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("ai.djl").setLevel(Level.ERROR);
        // jhdf warns "development version" when the shaded jar drops its version file; it reports real problems by exceptions
        context.getLogger("io.jhdf").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code LEVEL logger: message}, one line on stderr. */
    static final class Stderr extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            String name = e.getLoggerName();
            System.err.println(e.getLevel() + " " + name.substring(name.lastIndexOf('.') + 1) + ": " + e.getFormattedMessage());
        }
    }
}
