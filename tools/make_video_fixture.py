#!/usr/bin/python3
"""Video fixtures for VideoCommandTest (MP4 decoding against ffmpeg), written with Debian's python3-opencv, whose
VideoWriter encodes through ffmpeg's libavcodec (libx264 for 'avc1': High profile, CABAC, 8x8 transform, B-frames).

Writes app/src/test/resources/video/:
  x264_high.mp4          6 frames of 64x48: a crop of examples/tubingen.jpg panned by 1 px per frame, H.264 High
  x264_high_NN.png       those frames as ffmpeg decodes them (cv2.VideoCapture), the reference for JCodec's decoder
  mpeg4_part2.mp4        the same frames as MPEG-4 Part 2 ('mp4v'): an MP4 that nst must refuse (not H.264)
Run from the repository root: /usr/bin/python3 tools/make_video_fixture.py
"""
import os
import cv2

OUT = "app/src/test/resources/video"
W, H, N = 64, 48, 6
src = cv2.imread("examples/tubingen.jpg", cv2.IMREAD_COLOR)
if src is None:
    raise SystemExit("make_video_fixture: run from the repository root (needs examples/tubingen.jpg)")
src = cv2.resize(src, (160, 120), interpolation=cv2.INTER_AREA)
frames = [src[30:30 + H, 40 + k:40 + k + W].copy() for k in range(N)]
os.makedirs(OUT, exist_ok=True)
for name, fourcc in (("x264_high.mp4", "avc1"), ("mpeg4_part2.mp4", "mp4v")):
    path = os.path.join(OUT, name)
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), 25, (W, H))
    if not w.isOpened():
        raise SystemExit("make_video_fixture: OpenCV cannot write " + fourcc)
    for f in frames:
        w.write(f)
    w.release()
cap = cv2.VideoCapture(os.path.join(OUT, "x264_high.mp4"))
k = 0
while True:
    ok, f = cap.read()
    if not ok:
        break
    cv2.imwrite(os.path.join(OUT, "x264_high_%02d.png" % k), f)
    k += 1
if k != N:
    raise SystemExit("make_video_fixture: ffmpeg decoded %d frames, expected %d" % (k, N))
print("wrote", OUT, "with", k, "reference frames; OpenCV", cv2.__version__)
