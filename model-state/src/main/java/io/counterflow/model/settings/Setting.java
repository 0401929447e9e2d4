package io.counterflow.model.settings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * One setting declared in one place: a Flink {@link ConfigOption} (key, default, description) plus the validator
 * and the sentence that describes a valid value. Validation failures name the key, e.g. {@code
 * "counterflow.join.click-window must be positive (got PT0S)"}.
 *
 * @param <T> the value type
 */
public final class Setting<T> {
    private final ConfigOption<T> option;
    private final String requirement;
    private final Predicate<T> valid;

    private final boolean required;

    private Setting(ConfigOption<T> option, String requirement, Predicate<T> valid, boolean required) {
        this.option = Objects.requireNonNull(option, "option");
        this.requirement = Objects.requireNonNull(requirement, "requirement");
        this.valid = Objects.requireNonNull(valid, "valid");
        this.required = required;
        if (!required) {
            check(option.defaultValue());
        }
    }

    /** Declares a setting; its default value is validated at once. */
    public static <T> Setting<T> of(ConfigOption<T> option, String requirement, Predicate<T> valid) {
        return new Setting<>(option, requirement, valid, false);
    }

    /**
     * Declares a setting that has no usable default: its default (e.g. the empty string) stands for "not set", and
     * reading it unset fails with "must be set".
     */
    public static <T> Setting<T> required(ConfigOption<T> option, String requirement, Predicate<T> valid) {
        return new Setting<>(option, requirement, valid, true);
    }

    /** Whether the setting must be given (its default means "not set"). */
    public boolean isRequired() {
        return required;
    }

    public ConfigOption<T> option() {
        return option;
    }

    public String key() {
        return option.key();
    }

    public T defaultValue() {
        return option.defaultValue();
    }

    /** Returns {@code value} when valid, else throws an {@link IllegalArgumentException} naming the key. */
    public T check(T value) {
        if (required && (value == null || value.equals(option.defaultValue()))) {
            throw new IllegalArgumentException(option.key() + " must be set (" + requirement + ")");
        }
        if (value == null || !valid.test(value)) {
            throw new IllegalArgumentException(option.key() + " must be " + requirement + " (got " + value + ")");
        }
        return value;
    }

    /** Reads and validates the setting from a Flink configuration (the default when absent). */
    public T read(ReadableConfig config) {
        return check(config.get(option));
    }

    @Override
    public String toString() {
        return option.key() + " (" + requirement + ", default " + option.defaultValue() + ")";
    }
}
