package org.visualrft.train.data.parquet;

/**
 * Which parquet columns hold the image, the question and the answer ({@code image_column}, {@code problem_column},
 * {@code solution_column} in a training config; the Hugging Face layout's names by default).
 */
public record ColumnNames(String image, String problem, String solution) {
    public static final ColumnNames DEFAULT = new ColumnNames("image", "problem", "solution");
}
