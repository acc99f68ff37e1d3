package org.visualrft.core.eval.coco;

/** One entry of a ground-truth file's {@code categories} list; {@code frequency} is LVIS's r/c/f (null in COCO). */
public record CocoCategory(long id, String name, String frequency) {
}
