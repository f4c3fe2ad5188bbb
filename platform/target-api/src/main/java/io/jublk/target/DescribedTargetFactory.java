package io.jublk.target;

import java.util.List;
import java.util.Objects;

/** A {@link TargetFactory} whose type, description and options are fixed values given at construction. */
public abstract class DescribedTargetFactory implements TargetFactory {
    private final String type;
    private final String description;
    private final List<OptionSpec> options;

    protected DescribedTargetFactory(String type, String description, List<OptionSpec> options) {
        this.type = Objects.requireNonNull(type, "type");
        this.description = Objects.requireNonNull(description, "description");
        this.options = List.copyOf(options);
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final List<OptionSpec> options() {
        return options;
    }
}
