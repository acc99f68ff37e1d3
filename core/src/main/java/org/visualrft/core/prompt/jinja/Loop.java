package org.visualrft.core.prompt.jinja;

import java.util.List;

/** A for loop's {@code loop} variable at one iteration; its attributes are computed when read. */
final class Loop {
    private final List<Object> items;
    private final int i;

    Loop(List<Object> items, int i) {
        this.items = items;
        this.i = i;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) i + 1;
            case "index0" -> (long) i;
            case "revindex" -> (long) (n - i);
            case "revindex0" -> (long) (n - i - 1);
            case "first" -> i == 0;
            case "last" -> i == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> i > 0 ? items.get(i - 1) : new Undefined("previtem");
            case "nextitem" -> i < n - 1 ? items.get(i + 1) : new Undefined("nextitem");
            case "cycle" -> (Callable) (args, kw) -> {
                if (args.isEmpty()) {
                    throw new JinjaException("no items for cycling given");
                }
                return args.get(i % args.size());
            };
            default -> new Undefined(name);
        };
    }

    @Override
    public String toString() {
        return "<LoopContext " + (i + 1) + "/" + items.size() + ">";
    }
}
