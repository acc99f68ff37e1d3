package org.visualrft.core.prompt.jinja;

import java.util.List;

/** The parsed template: statements, and the expressions inside them. */
sealed interface Node {
    /** Literal template text. */
    record Text(String text) implements Node {
    }

    /** {@code {{ expr }}}. */
    record Output(Expr expr, int line) implements Node {
    }

    /** {@code {% if %}…{% elif %}…{% else %}…{% endif %}}: one branch per test, {@code otherwise} possibly empty. */
    record If(List<Expr> tests, List<List<Node>> branches, List<Node> otherwise) implements Node {
    }

    /** {@code {% for a, b in iter if cond %}…{% else %}…{% endfor %}}. */
    record For(List<String> targets, Expr iter, Expr filter, List<Node> body, List<Node> otherwise, int line)
            implements Node {
    }

    /** {@code {% set x = e %}}, {@code {% set ns.attr = e %}} ({@code attr} non-null) or a block set. */
    record Set(List<String> targets, String attr, Expr value, List<Node> block, int line) implements Node {
    }

    /** {@code {% macro name(params) %}…{% endmacro %}}; {@code defaults} aligned with {@code params} (null: none). */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {
    }

    /** {@code {% break %}} / {@code {% continue %}}. */
    record LoopControl(boolean isBreak) implements Node {
    }

    /** A body rendered as is: {@code {% generation %}} (Hugging Face's assistant-mask marker). */
    record Block(List<Node> body) implements Node {
    }

    /** Expressions. */
    sealed interface Expr {
    }

    record Literal(Object value) implements Expr {
    }

    record Name(String name, int line) implements Expr {
    }

    /** A list literal, or a tuple ({@code (a, b)}, {@code a, b} in a set). */
    record ListExpr(List<Expr> items, boolean tuple) implements Expr {
    }

    record DictExpr(List<Expr> keys, List<Expr> values) implements Expr {
    }

    /** {@code obj.name}: an attribute (a method of a string, list or dict) or else an item. */
    record Attr(Expr obj, String name, int line) implements Expr {
    }

    /** {@code obj[key]}: an item or else an attribute. */
    record Item(Expr obj, Expr key, int line) implements Expr {
    }

    record Slice(Expr obj, Expr start, Expr stop, Expr step) implements Expr {
    }

    /** A call; {@code kwNames} aligned with {@code kwValues}. */
    record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line) implements Expr {
    }

    record Filter(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line)
            implements Expr {
    }

    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr {
    }

    /** Binary operators: {@code + - * / // % ** ~ == != < > <= >= in notin and or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    /** Unary {@code not}, {@code -}, {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr {
    }

    /** {@code a if cond else b}; {@code otherwise} null without an else. */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {
    }
}
