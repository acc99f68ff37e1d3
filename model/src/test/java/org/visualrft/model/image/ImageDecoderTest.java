package org.visualrft.model.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Image;

class ImageDecoderTest {
    static byte[] pngHeader(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 6).put((byte) 0)
                .put((byte) 0).put((byte) 0).array();
        out.write(ByteBuffer.allocate(4).putInt(13).array());
        byte[] type = "IHDR".getBytes(StandardCharsets.US_ASCII);
        out.write(type);
        out.write(ihdr);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(ihdr);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    /** A 24-bit BMP header claiming {@code w × h} pixels and no pixel data. */
    static byte[] bmpHeader(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24).putInt(0).putInt(0).putInt(2835)
                .putInt(2835).putInt(0).putInt(0);
        return b.array();
    }

    @Test
    void bombsAreRefusedFromTheHeaderInEveryFormatAndSource(@TempDir Path dir) throws Exception {
        byte[][] bombs = {pngHeader(27000, 27000), pngHeader(46341, 46341), pngHeader(Integer.MAX_VALUE, 2),
            bmpHeader(30000, 30000), bmpHeader(65535, 65535)};
        for (int i = 0; i < bombs.length; i++) {
            byte[] bomb = bombs[i];
            BadInputException e = assertThrows(BadInputException.class, () -> Image.decode(bomb, "rec 3"));
            assertEquals("rec 3", e.source());
            // the header decides: over the limit, never a decoded bomb (these headers carry no pixels, so without the
            // size check decoding would fail too, but as "cannot decode"); a width of 2^31-1 the PNG reader itself
            // refuses before the size is known, and so does the BMP reader whenever a 24-bit image's size in bits
            // overflows an int — which is exactly above the default limit (2^31 / 24 = 89,478,485 pixels)
            boolean readerRefuses = i == 2 || i == 3 || i == 4;
            assertTrue(e.fault().contains("over the limit") || (readerRefuses && e.fault().startsWith("cannot")),
                    e.fault());
            Path f = dir.resolve("bomb.img");
            Files.write(f, bomb);
            BadInputException fe = assertThrows(BadInputException.class, () -> RgbImage.read(f));
            assertEquals(f.toString(), fe.source());
        }
    }

    @Test
    void theLimitIsASettingAndGenuineImagesDecode(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("ok.png");
        ImageIO.write(new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        assertEquals(30, Image.read(png).width());
        System.setProperty(ImageDecoder.PROPERTY, "599");
        try {
            assertTrue(assertThrows(BadInputException.class, () -> Image.read(png)).fault().contains("600 pixels"));
            System.setProperty(ImageDecoder.PROPERTY, "600");
            assertEquals(20, RgbImage.read(png).height());
            System.setProperty(ImageDecoder.PROPERTY, "0");
            assertThrows(BadInputException.class, () -> Image.read(png));
            System.setProperty(ImageDecoder.PROPERTY, Long.toString(ImageDecoder.HARD_MAX_PIXELS + 1));
            assertThrows(BadInputException.class, () -> Image.read(png));
        } finally {
            System.clearProperty(ImageDecoder.PROPERTY);
        }
        assertEquals(ImageDecoder.DEFAULT_MAX_PIXELS, ImageDecoder.maxPixels());
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "not an image");
        assertThrows(BadInputException.class, () -> Image.read(junk));
    }
}
