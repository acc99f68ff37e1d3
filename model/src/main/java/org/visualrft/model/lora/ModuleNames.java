package org.visualrft.model.lora;

import java.util.Set;
import java.util.TreeSet;

/**
 * PEFT's {@code target_modules} or {@code exclude_modules} value, a list or a string: a list of module names, each
 * matching a module whose name equals it or ends with {@code "." + name}, or one Python regular expression that must
 * match a module's whole name ({@code re.fullmatch}; {@link PythonRegex}).
 */
public record ModuleNames(Set<String> names, String regex) {
    /** No modules: an unset {@code exclude_modules}. */
    public static final ModuleNames NONE = new ModuleNames(Set.of(), null);

    public ModuleNames {
        names = Set.copyOf(names);
        if (regex != null) {
            if (!names.isEmpty()) {
                throw new IllegalArgumentException("a list of module names or a regular expression, not both");
            }
            PythonRegex.compile(regex); // refused here, once, naming what Java cannot match alike
        }
    }

    public static ModuleNames list(Set<String> names) {
        return names.isEmpty() ? NONE : new ModuleNames(names, null);
    }

    /** A string: PEFT's regular expression (an empty one is no modules, as PEFT reads a falsy value). */
    public static ModuleNames regex(String regex) {
        return regex.isEmpty() ? NONE : new ModuleNames(Set.of(), regex);
    }

    public boolean isEmpty() {
        return names.isEmpty() && regex == null;
    }

    /** As a setting shows it: {@code [a, b]} (sorted) or the expression in quotes. */
    public String describe() {
        return regex != null ? "'" + regex + "'" : new TreeSet<>(names).toString();
    }
}
