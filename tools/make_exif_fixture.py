"""Writes engine/src/test/resources/images/exif-orientation-6.jpg: a 6x4 JPEG whose EXIF orientation tag is 6
(display rotated 90 degrees clockwise). Left half red, right half blue as stored, so after orientation the top
half is red and the bottom half blue. Run: /usr/bin/python3 tools/make_exif_fixture.py"""
from PIL import Image
im = Image.new("RGB", (6, 4))
for y in range(4):
    for x in range(6):
        im.putpixel((x, y), (255, 0, 0) if x < 3 else (0, 0, 255))
exif = Image.Exif()
exif[0x0112] = 6
im.save("engine/src/test/resources/images/exif-orientation-6.jpg", quality=100, subsampling=0, exif=exif.tobytes())
