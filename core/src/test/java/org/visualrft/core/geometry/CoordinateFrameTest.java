package org.visualrft.core.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CoordinateFrameTest {
    @Test
    void smartResizeMatchesQwenExamples() {
        // docs/original-code.md, "Coordinates and image size": a 640x480 COCO image becomes 644x476 at training and evaluation settings
        assertEquals(new ImageSize(644, 476), QwenResize.TRAINING.apply(new ImageSize(640, 480)));
        assertEquals(new ImageSize(644, 476), QwenResize.PROCESSOR_DEFAULT.apply(new ImageSize(640, 480)));
        // too many pixels: scaled down below max_pixels, sides multiples of 28
        ImageSize big = QwenResize.TRAINING.apply(new ImageSize(4000, 3000));
        assertEquals(0, big.width() % 28);
        assertEquals(0, big.height() % 28);
        assertEquals(true, (long) big.width() * big.height() <= 401408);
        // banker's rounding: 14/28 = 0.5 rounds to 0, then min_pixels scales it up
        assertEquals(new ImageSize(56, 56), QwenResize.TRAINING.apply(new ImageSize(42, 42)));
    }

    @Test
    void convertsBetweenFramesWithResizedImages() {
        ImageSize original = new ImageSize(1000, 800);
        ImageSize resized = QwenResize.TRAINING.apply(original);
        Box norm = new Box(100, 250, 500, 750);
        Box pixels = CoordinateFrame.NORMALIZED_1000.convert(norm, CoordinateFrame.ORIGINAL_PIXELS, original,
                QwenResize.TRAINING);
        assertEquals(new Box(100, 200, 500, 600), pixels);
        Box resizedPixels = CoordinateFrame.NORMALIZED_1000.convert(norm, CoordinateFrame.RESIZED_PIXELS, original,
                QwenResize.TRAINING);
        assertEquals(100 * resized.width() / 1000.0, resizedPixels.x1(), 1e-9);
        assertEquals(750 * resized.height() / 1000.0, resizedPixels.y2(), 1e-9);
        Box back = CoordinateFrame.RESIZED_PIXELS.convert(resizedPixels, CoordinateFrame.NORMALIZED_1000, original,
                QwenResize.TRAINING);
        assertEquals(norm.x1(), back.x1(), 1e-9);
        assertEquals(norm.y2(), back.y2(), 1e-9);
        assertEquals(CoordinateFrame.RESIZED_PIXELS, CoordinateFrame.parse("resized-pixels"));
    }
}
