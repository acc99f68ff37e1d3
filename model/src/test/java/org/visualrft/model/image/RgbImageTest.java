package org.visualrft.model.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grey images of 8 and 16 bits read as the same RGB values (16-bit grey was brightened by Java's grey curve). */
class RgbImageTest {
    @Test
    void sixteenBitGreyKeepsItsHighByteAsEightBitGreyDoes(@TempDir Path dir) throws Exception {
        BufferedImage g16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage g8 = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int v = y * 16 + x;
                g16.getRaster().setSample(x, y, 0, v * 257);
                g8.getRaster().setSample(x, y, 0, v);
            }
        }
        ImageIO.write(g16, "png", dir.resolve("g16.png").toFile());
        ImageIO.write(g8, "png", dir.resolve("g8.png").toFile());
        RgbImage a = RgbImage.read(dir.resolve("g16.png"));
        RgbImage b = RgbImage.read(dir.resolve("g8.png"));
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(y * 16 + x, b.at(x, y, c));
                    assertEquals(y * 16 + x, a.at(x, y, c), "16-bit grey at " + x + "," + y);
                }
            }
        }
    }

    /** A CMYK JPEG (which the JDK decodes) was read as RGB from its C, M, Y channels; it is refused naming the file. */
    @Test
    void aCmykJpegIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        javax.imageio.ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        Path f = dir.resolve("cmyk.jpg");
        try (javax.imageio.stream.ImageOutputStream o = ImageIO.createImageOutputStream(f.toFile())) {
            w.setOutput(o);
            w.write(null, new javax.imageio.IIOImage(r, null, null), null);
        } finally {
            w.dispose();
        }
        org.visualrft.core.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.visualrft.core.BadInputException.class, () -> RgbImage.read(f));
        assertEquals(f.toString(), e.source());
        assertEquals("a CMYK image: convert it to RGB first", e.fault());
    }
}
