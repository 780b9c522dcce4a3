import sharp from 'sharp';

/** A test image made here (no files downloaded): a gradient-free block of colour with a stripe. */
export async function makeImage(format: 'png' | 'jpeg' | 'webp', width = 800, height = 600): Promise<Buffer> {
  const stripe = await sharp({
    create: { width: Math.max(1, Math.floor(width / 4)), height, channels: 3, background: '#f0c020' },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#2050a0' } })
    .composite([{ input: stripe, left: 0, top: 0 }])
    .toFormat(format)
    .toBuffer();
}

/**
 * A decompression bomb: a valid 1×1 PNG whose header is rewritten to claim 30000×30000
 * (900 megapixels, 2.7 GB decoded) with a correct CRC, so only the pixel limit stops it.
 */
export async function pngBomb(): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // Signature (8) + length (4) + "IHDR" (4): width at 16, height at 20, CRC after the 13 data bytes.
  png.writeUInt32BE(30_000, 16);
  png.writeUInt32BE(30_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle r="50"/></svg>',
);
