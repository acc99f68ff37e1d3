package org.visualrft.core.eval.coco;

import java.util.List;

/**
 * One entry of a ground-truth file's {@code images} list. {@code width}/{@code height} are -1 when the file does not
 * give them. The two category lists are LVIS's federated annotations ({@code null} when absent: plain COCO).
 */
public record CocoImage(long id, int width, int height, String fileName, String cocoUrl,
        List<Long> negCategoryIds, List<Long> notExhaustiveCategoryIds) {

    /** A COCO image without LVIS fields. */
    public static CocoImage of(long id, int width, int height) {
        return new CocoImage(id, width, height, null, null, null, null);
    }
}
