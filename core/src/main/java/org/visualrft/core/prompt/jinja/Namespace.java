package org.visualrft.core.prompt.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code namespace(...)}: the one value whose attributes a template may set, from inside a loop too. */
final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();

    @Override
    public String toString() {
        return "<Namespace " + PyValues.repr(attrs) + ">";
    }
}
