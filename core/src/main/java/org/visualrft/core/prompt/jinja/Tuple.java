package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.Collection;

/** A Python tuple ({@code (a, b)}, a dict's items): a list that prints in parentheses. */
final class Tuple extends ArrayList<Object> {
    Tuple(Collection<?> items) {
        super(items);
    }
}
