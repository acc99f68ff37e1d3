package org.visualrft.core.reward;

/**
 * {@link #VISUAL_RFT}: exactly the values of the original code (bugs included, minus the math_verify shortcut).
 * {@link #STRICT} (the default): the same rewards with the bugs fixed.
 */
public enum RewardMode {
    VISUAL_RFT("visual-rft"),
    STRICT("strict");

    private final String id;

    RewardMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** {@code visual-rft} or {@code strict}; null for anything else. */
    public static RewardMode parseOrNull(String s) {
        for (RewardMode m : values()) {
            if (m.id.equals(s)) {
                return m;
            }
        }
        return null;
    }
}
