package io.counterflow.jobs.cli;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Command-line flags that are bindings of a name to a configuration option, nothing more: the option's declaration
 * (a {@link ConfigOption}, usually inside an {@code io.counterflow.operators.join.Setting}) gives the flag its type,
 * its description and its default; the flag only writes into the job's {@link Configuration} when it is given.
 * So the cluster's config.yaml, {@code -D key=value} and the flag are three ways to set one key, and every
 * settings object is built from the {@link Configuration} alone.
 *
 * <p>Flags are added to a picocli {@link CommandSpec} programmatically ({@link #addTo}); {@link #applyTo} copies the
 * given ones into a configuration. Precedence: flag over {@code -D} over config.yaml over the declared default.
 */
public final class SettingFlags {
    /** One flag: its name, the option it sets, its value type and (optionally) a description of its own. */
    public static final class Flag {
        final String name;
        final ConfigOption<?> option;
        final Class<?> type;
        final String description;
        final String defaultText;

        private Flag(String name, ConfigOption<?> option, Class<?> type, String description, String defaultText) {
            this.name = Objects.requireNonNull(name, "name");
            this.option = Objects.requireNonNull(option, "option");
            this.type = Objects.requireNonNull(type, "type");
            this.description = description;
            this.defaultText = defaultText;
        }

        /** The option's key. */
        public String key() {
            return option.key();
        }

        public String name() {
            return name;
        }
    }

    private final List<Flag> flags = new ArrayList<>();

    /** Binds {@code name} to {@code option}; the value type is that of the option's default. */
    public SettingFlags bind(String name, ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            throw new IllegalArgumentException(option.key() + " has no default: bind it with an explicit type");
        }
        Object d = option.defaultValue();
        Class<?> type = d instanceof List ? List.class : d.getClass();
        flags.add(new Flag(name, option, type, null, null));
        return this;
    }

    /**
     * Binds {@code name} to an option declared elsewhere (Flink's own), with the value type, the help text and the
     * default as this command applies it.
     */
    public SettingFlags bind(String name, ConfigOption<?> option, Class<?> type, String description,
            String defaultText) {
        flags.add(new Flag(name, option, type, description, defaultText));
        return this;
    }

    public List<Flag> flags() {
        return List.copyOf(flags);
    }

    /** Adds one picocli option per flag to {@code spec}. */
    public CommandSpec addTo(CommandSpec spec) {
        for (Flag f : flags) {
            OptionSpec.Builder b = OptionSpec.builder(f.name).type(f.type).description(help(f));
            if (f.type == List.class) {
                b.auxiliaryTypes(String.class).splitRegex(",").paramLabel("<" + label(f) + ">[,...]");
            } else if (f.type == Duration.class) {
                b.paramLabel("<duration>");
            } else {
                b.paramLabel("<" + label(f) + ">");
            }
            spec.addOption(b.build());
        }
        return spec;
    }

    /** Copies every flag given on the command line into {@code conf} (typed; validation is the settings'). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void applyTo(ParseResult parsed, Configuration conf) {
        for (Flag f : flags) {
            if (parsed.hasMatchedOption(f.name)) {
                Object value = parsed.matchedOptionValue(f.name, null);
                conf.set((ConfigOption) f.option, value);
            }
        }
    }

    private static String label(Flag f) {
        String k = f.option.key();
        return k.substring(k.lastIndexOf('.') + 1);
    }

    private static String help(Flag f) {
        String text = f.description != null ? f.description : text(f.option);
        String def = f.defaultText != null ? f.defaultText : defaultText(f.option);
        return text + " [" + f.option.key() + "; default: " + def + "]";
    }

    /** The option's description as plain text. */
    public static String text(ConfigOption<?> option) {
        StringBuilder sb = new StringBuilder();
        for (BlockElement b : option.description().getBlocks()) {
            if (b instanceof TextElement) {
                sb.append(((TextElement) b).getFormat());
            } else {
                sb.append(b);
            }
        }
        return sb.toString().replace("%", "%%");
    }

    /** The option's default as a user writes it: ISO-8601 durations, comma-separated lists, "(none)". */
    public static String defaultText(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return "(none)";
        }
        Object d = option.defaultValue();
        if (d instanceof List) {
            List<?> l = (List<?>) d;
            return l.isEmpty() ? "(empty)" : String.join(",", l.stream().map(String::valueOf).toList());
        }
        if (d instanceof Duration) {
            Duration t = (Duration) d;
            return !t.isZero() && t.toSeconds() % 86_400 == 0 && t.toNanosPart() == 0 ? "P" + t.toDays() + "D"
                    : t.toString();
        }
        if (d instanceof String && ((String) d).isEmpty()) {
            return "(empty)";
        }
        return String.valueOf(d);
    }
}
