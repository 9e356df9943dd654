"""Writes the crafted hostile images under engine/src/test/resources/hostile/ (tests: HostileImagesTest) and the
seeds of the image fuzz tests (engine/src/test/resources/nst/engine/image/ImagesFuzzTestInputs/). Raw bytes made with
zlib and struct only; no imaging library is needed.
The multi-gigabyte zTXt/iCCP bombs are too large to commit even compressed; HostileImagesTest streams those
through a Deflater at test time. Run from the repository root: /usr/bin/python3 tools/make_hostile_images.py"""
import os
import struct
import zlib

HOSTILE = "engine/src/test/resources/hostile"
SEEDS = "engine/src/test/resources/nst/engine/image/ImagesFuzzTestInputs"
EXIF_JPEG = "engine/src/test/resources/images/exif-orientation-6.jpg"   # made by tools/make_exif_fixture.py

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, declared=None):
    """One PNG chunk; `declared` overrides the length field (the data written stays `data`)."""
    length = len(data) if declared is None else declared
    return struct.pack(">I", length) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ihdr(width, height, bit_depth=8, colour_type=2):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))


def idat_rows(row_bytes, height, fill=b"\x00"):
    """Deflated scanlines (filter byte 0, then `row_bytes` bytes of `fill`), streamed: the raw data may be 200 MB."""
    z = zlib.compressobj(9)
    row = b"\x00" + fill * row_bytes
    out = [z.compress(row) for _ in range(height)]
    out.append(z.flush())
    return b"".join(out)


def rgb_png(width, height, extra_before_idat=b"", extra_after_idat=b""):
    """A valid 8-bit RGB PNG (a grey ramp) with extra chunks around the image data."""
    raw = b"".join(b"\x00" + bytes((x * 255 // max(1, width - 1)) for x in range(width) for _ in range(3))
                   for _ in range(height))
    return (PNG_SIGNATURE + ihdr(width, height) + extra_before_idat + chunk(b"IDAT", zlib.compress(raw, 9))
            + extra_after_idat + chunk(b"IEND", b""))


def zeros_deflated(n):
    """zlib stream of n zero bytes, compressed in 1 MiB pieces (ratio about 1000:1)."""
    z = zlib.compressobj(9)
    piece = bytes(1 << 20)
    out = [z.compress(piece) for _ in range(n >> 20)]
    out.append(z.compress(bytes(n & ((1 << 20) - 1))))
    out.append(z.flush())
    return b"".join(out)


def one_bit_giant(side):
    """A 1-bit greyscale side x side PNG, all black: 109 KB for 30000 (the pixels would be 900 million)."""
    return PNG_SIGNATURE + ihdr(side, side, 1, 0) + chunk(b"IDAT", idat_rows((side + 7) // 8, side)) + chunk(b"IEND", b"")


def jpeg_with_size(width, height):
    """The committed EXIF JPEG with its frame header (SOF0) changed to declare width x height."""
    data = bytearray(open(EXIF_JPEG, "rb").read())
    i = 2
    while True:                                     # walk the marker segments to the frame header
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xC2:
            struct.pack_into(">HH", data, i + 5, height, width)
            return bytes(data)
        i += 2 + length


def jpeg_with_scans(count):
    """The committed EXIF JPEG with `count` scans: its scan header repeated with one byte of data each, before EOI."""
    data = open(EXIF_JPEG, "rb").read()
    sos = data.index(b"\xff\xda")
    header = data[sos:sos + 2 + struct.unpack(">H", data[sos + 2:sos + 4])[0]]
    return data[:-2] + (header + b"\x00") * count + b"\xff\xd9"


def gif_with_size(width, height):
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return screen + image + b"\x3b"


def bmp_with_size(width, height, compression=0, image_size=0):
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, compression, image_size, 2835, 2835, 0, 0)
    pixels = bytes(64)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) + info + pixels


def exif_orientation(value):
    """A big-endian TIFF block with one IFD0 entry: Orientation (0x0112, SHORT) = value."""
    return b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, value, 0) \
        + struct.pack(">I", 0)


def ztxt(keyword, deflated):
    return chunk(b"zTXt", keyword + b"\x00\x00" + deflated)


def itxt(keyword, text, compressed):
    body = zlib.compress(text) if compressed else text
    return chunk(b"iTXt", keyword + b"\x00" + bytes([1 if compressed else 0, 0]) + b"en\x00" + keyword + b"\x00" + body)


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    print(f"{folder}/{name}: {len(data)} bytes")


def main():
    ok64 = rgb_png(64, 64)
    text = chunk(b"tEXt", b"nst:options\x00--size 9") + ztxt(b"nst:seed", zlib.compress(b"42")) \
        + itxt(b"nst:note", "caf\u00e9".encode(), True)
    crafted = {
        "png-30000x30000-1bit.png": one_bit_giant(30000),
        "png-40000x40000-1bit.png": one_bit_giant(40000),
        # a tEXt chunk declaring 2 GB in a 64x64 image: readers that allocate the declared length first
        "png-chunk-declares-2gb.png": PNG_SIGNATURE + ihdr(64, 64) + chunk(b"tEXt", b"nst:options\x00x", 0x7FFFFFF0)
        + ok64[8 + 25:],
        # the same after the image data: a decoder that stops at IDAT succeeds, a metadata reader walks on into it
        "png-chunk-after-idat-declares-2gb.png": ok64[:-12] + chunk(b"tEXt", b"nst:options\x00x", 0x7FFFFFF0)
        + chunk(b"IEND", b""),
        # the same in a palette image (the JDK reads every chunk of those) with a private chunk type
        "png-palette-chunk-declares-2gb.png": PNG_SIGNATURE + ihdr(4, 4, 8, 3) + chunk(b"PLTE", bytes(6))
        + chunk(b"nsTb", b"x", 0x7FFFFFF0) + chunk(b"IDAT", zlib.compress(bytes(20))) + chunk(b"IEND", b""),
        "png-ztxt-inflates-16mb.png": rgb_png(64, 64, ztxt(b"nst:options", zeros_deflated(16 << 20))),
        "png-width-zero.png": PNG_SIGNATURE + ihdr(0, 64) + ok64[8 + 25:],
        "png-width-2pow31.png": PNG_SIGNATURE + ihdr(1 << 31, 1) + ok64[8 + 25:],
        "png-truncated.png": ok64[:len(ok64) // 2],
        "png-idat-overruns.png": PNG_SIGNATURE + ihdr(64, 64) + chunk(b"IDAT", zlib.compress(bytes(100)), 5000)
        + chunk(b"IEND", b""),
        "png-signature-only.png": PNG_SIGNATURE,
        "png-no-iend.png": ok64[:-12],
        "jpeg-65535x65535.jpg": jpeg_with_size(65535, 65535),
        "jpeg-truncated.jpg": open(EXIF_JPEG, "rb").read()[:300],
        # thousands of scans: each is a pass over the whole image for the decoder
        "jpeg-5000-scans.jpg": jpeg_with_scans(5000),
        "gif-65535x65535.gif": gif_with_size(65535, 65535),
        "bmp-65535x65535.bmp": bmp_with_size(65535, 65535),
        "bmp-height-min-int.bmp": bmp_with_size(4, -(1 << 31)),
        # a 4x4 BMP wrapping a PNG (compression 5) of a declared 1 GB: the JDK allocates that before reading it
        "bmp-wrapping-png-declares-1gb.bmp": bmp_with_size(4, 4, 5, 1 << 30),
        "empty.png": b"",
    }
    for name, data in crafted.items():
        write(HOSTILE, name, data)

    # ordinary images the hostile ones are checked against
    write(HOSTILE, "png-64x64-with-text.png", rgb_png(64, 64, text))
    write(HOSTILE, "png-exif-orientation-6.png", rgb_png(6, 4, chunk(b"eXIf", exif_orientation(6))))

    # fuzz seeds: small files only (the fuzzer mutates them), valid ones and the small crafted ones
    small = {n: d for n, d in crafted.items() if len(d) < 4096}
    decode_seeds = dict(small, **{
        "png-8x8.png": rgb_png(8, 8),
        "png-exif-orientation-6.png": rgb_png(6, 4, chunk(b"eXIf", exif_orientation(6))),
        "png-with-text.png": rgb_png(8, 8, text),
        "jpeg-exif-orientation-6.jpg": open(EXIF_JPEG, "rb").read(),
        "gif-1x1.gif": gif_with_size(1, 1),
        "bmp-4x4.bmp": bmp_with_size(4, 4),
    })
    for name, data in decode_seeds.items():
        write(SEEDS + "/decode", name, data)
    text_seeds = {
        "png-with-text.png": rgb_png(8, 8, text),
        "png-ztxt-inflates-4mb.png": rgb_png(8, 8, ztxt(b"nst:options", zeros_deflated(4 << 20))),
        "png-itxt-plain.png": rgb_png(2, 2, itxt(b"nst:options", b"--size 64", False)),
        "png-chunk-declares-2gb.png": crafted["png-chunk-declares-2gb.png"],
        "png-truncated.png": crafted["png-truncated.png"],
    }
    for name, data in text_seeds.items():
        write(SEEDS + "/pngText", name, data)


if __name__ == "__main__":
    main()
