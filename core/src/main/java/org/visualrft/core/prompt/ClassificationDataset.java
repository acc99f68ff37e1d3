package org.visualrft.core.prompt;

/**
 * The four fine-grained classification datasets of the paper, with the subject and attribute their prompt names.
 * Flowers102 is quoted from the paper (Table 1) and FGVC-Aircraft from the evaluation script; Pets37 and Cars196
 * follow the same template with "pet"/"car" wording (the released datasets' {@code problem} column is authoritative).
 */
public enum ClassificationDataset {
    FLOWERS102("a plant", "species", "plant", true),
    FGVC_AIRCRAFT("an aircraft", "model", "aircraft", true),
    PETS37("a pet", "species", "pet", false),
    CARS196("a car", "model", "car", false);

    private final String containing;
    private final String attribute;
    private final String subject;
    private final boolean quoted;

    ClassificationDataset(String containing, String attribute, String subject, boolean quoted) {
        this.containing = containing;
        this.attribute = attribute;
        this.subject = subject;
        this.quoted = quoted;
    }

    /** "This is an image containing a plant. Please identify the species of the plant based on the image." */
    public String question() {
        return "This is an image containing " + containing + ". Please identify the " + attribute + " of the "
                + subject + " based on the image.";
    }

    /** True when the string is quoted from the paper or the original code, false when it follows the pattern. */
    public boolean quotedFromSource() {
        return quoted;
    }
}
