package nst.app;

import nst.engine.NstException;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.io.AtomicFiles;
import nst.engine.video.FrameFolder;
import nst.engine.video.FrameSource;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.api.PictureWithMetadata;
import org.jcodec.api.transcode.PixelStore;
import org.jcodec.api.transcode.SinkImpl;
import org.jcodec.api.transcode.VideoFrameWithPacket;
import org.jcodec.common.Codec;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.Format;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Packet;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rational;
import org.jcodec.common.model.Size;
import org.jcodec.scale.ColorUtil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Locale;

/**
 * MP4 (H.264) in and out, in pure Java with JCodec 0.2.5: its decoder reads progressive 8-bit 4:2:0 H.264 in an MP4
 * container (baseline and main profiles, and x264's High profile as VideoCommandTest checks against ffmpeg); its
 * encoder writes the baseline profile (CAVLC, I and P frames). The file's size, its video track, codec, frame size and frame count are
 * checked before any frame is decoded; anything JCodec cannot read (a corrupt file, another codec, a high-profile
 * feature it does not know) is one {@link NstException} line naming the file. Leaves out audio (not carried over).
 */
final class Mp4 {
    private Mp4() {}

    /** Largest MP4 accepted: 4 GiB (an hour of 1080p at 9 Mbit/s). */
    static final long MAX_FILE_BYTES = 4L << 30;

    /** Whether the path names an MP4 by its extension (.mp4, .m4v, .mov). */
    static boolean isVideoFile(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".mp4") || n.endsWith(".m4v") || n.endsWith(".mov");
    }

    /** The frames of an MP4's video track, decoded one at a time. */
    static final class Reader implements FrameSource {
        private final Path file;
        private final FileChannelWrapper channel;
        private final FrameGrab grab;
        private final int frames, width, height;
        private final double fps;
        private int read, decoded;
        private boolean drained;
        /** Decoded pictures waiting for their turn, earliest presentation time first (decoding order breaks ties). */
        private final PriorityQueue<Pending> pending = new PriorityQueue<>(
                Comparator.comparingDouble((Pending p) -> p.time).thenComparingInt(p -> p.order));
        static final int REORDER = 8;

        private record Pending(double time, int order, Picture picture) {}

        Reader(Path file, ImageLimits limits) throws IOException {
            this.file = file;
            if (!Files.isRegularFile(file)) throw new NstException(file + ": no such video file");
            long bytes = Files.size(file);
            if (bytes > MAX_FILE_BYTES) throw new NstException(file + " is " + bytes / (1 << 20) + " MB; videos over 4 GB are refused");
            channel = NIOUtils.readableChannel(file.toFile());
            try {
                grab = FrameGrab.createFrameGrab(channel);
                DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
                if (meta.getCodec() != Codec.H264)
                    throw new NstException(file + ": the video is " + meta.getCodec() + "; nst reads H.264 video in MP4");
                Size size = meta.getVideoCodecMeta() == null ? null : meta.getVideoCodecMeta().getSize();
                if (size == null) throw new NstException(file + ": the video track declares no frame size");
                limits.checkDimensions(file.toString(), size.getWidth(), size.getHeight());
                if (meta.getVideoCodecMeta().isInterlaced()) throw new NstException(file + ": interlaced video is not supported (JCodec decodes progressive H.264)");
                width = size.getWidth();
                height = size.getHeight();
                frames = meta.getTotalFrames();
                if (frames < 1) throw new NstException(file + ": the video track has no frames");
                if (frames > FrameFolder.MAX_FRAMES)
                    throw new NstException(file + " has " + frames + " frames; at most " + FrameFolder.MAX_FRAMES + " are rendered, split the clip");
                double duration = meta.getTotalDuration();
                fps = duration > 0 ? frames / duration : 0;
            } catch (NstException e) {
                channel.close();
                throw e;
            } catch (IOException | JCodecException | RuntimeException | OutOfMemoryError e) {   // JCodec's word for a bad file
                channel.close();
                throw unreadable(file, e);
            }
        }

        @Override public int frameCount() { return frames; }
        @Override public double fps() { return fps; }
        @Override public String name() { return file.toString(); }

        /**
         * The next frame in display order. JCodec hands out frames in decoding order (a B-frame comes after the frame
         * it precedes), so up to {@link #REORDER} decoded pictures wait here, ordered by their presentation time, as
         * a decoder's reorder buffer does; x264's default B-pyramid needs 3.
         */
        @Override
        public Image next() throws IOException {
            while (!drained && pending.size() <= REORDER) {
                PictureWithMetadata pm;
                try {
                    pm = grab.getNativeFrameWithMetadata();
                } catch (IOException | RuntimeException | OutOfMemoryError e) {
                    throw new NstException(file + ": frame " + (decoded + 1) + " cannot be decoded (" + describe(e) + ")");
                }
                if (pm == null || pm.getPicture() == null || decoded >= frames) {
                    drained = true;
                } else {
                    decoded++;
                    pending.add(new Pending(pm.getTimestamp(), decoded, deepCopy(pm.getPicture())));
                }
            }
            Pending p = pending.poll();
            if (p == null) {
                if (read == 0) throw new NstException(file + ": no frame could be decoded");
                return null;                            // the index may promise more than the stream holds: stop here
            }
            read++;
            Image im = toImage(p.picture);
            if (im.width() != width || im.height() != height)
                throw new NstException(file + ": frame " + read + " is " + im.width() + "x" + im.height() + ", the track declares "
                        + width + "x" + height);
            return im;
        }

        /** The decoder reuses its picture buffers (and copyPicture shares them): a waiting picture needs its own. */
        private static Picture deepCopy(Picture p) {
            Picture c = p.createCompatible();
            c.copyFrom(p);
            c.setCrop(p.getCrop());
            return c;
        }

        @Override public void close() throws IOException { channel.close(); }
    }

    static NstException unreadable(Path file, Throwable e) {
        return new NstException(file + " is not a video nst can read (MP4 with progressive 8-bit H.264): " + describe(e));
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    /** A decoded picture (any JCodec colour space) as an [0,1] RGB image, cropped to its display window. */
    static Image toImage(Picture pic) {
        Picture rgb = pic;
        if (pic.getColor() != ColorSpace.RGB) {
            rgb = Picture.create(pic.getWidth(), pic.getHeight(), ColorSpace.RGB);
            ColorUtil.getTransform(pic.getColor(), ColorSpace.RGB).transform(pic, rgb);
        }
        int x0 = 0, y0 = 0, w = pic.getWidth(), h = pic.getHeight();
        if (pic.getCrop() != null) {
            x0 = pic.getCrop().getX();
            y0 = pic.getCrop().getY();
            w = pic.getCrop().getWidth();
            h = pic.getCrop().getHeight();
        }
        byte[] data = rgb.getPlaneData(0);          // R, G, B interleaved, each stored as value − 128
        int stride = rgb.getWidth();
        float[] v = new float[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int p = 3 * ((y + y0) * stride + x + x0);
                for (int c = 0; c < 3; c++) v[(c * h + y) * w + x] = (data[p + c] + 128) / 255f;
            }
        return new Image(w, h, v);
    }

    /**
     * An [0,1] RGB image (even width and height) as 8-bit 4:2:0 YCbCr in the limited ("TV") range of ITU-R BT.601, what
     * players and JCodec's decoder assume for an H.264 stream that does not say otherwise; chroma is the mean of each
     * 2 × 2 block. (JCodec's own RGB conversion writes the full range into an unlabelled stream, which decoders then
     * read with shifted levels: 31 dB instead of 39 on a smooth 64 × 48 test pattern.) The picture is labelled YUV420J only
     * because that is the label the encoder takes without converting; samples are stored as value − 128.
     */
    static Picture toPicture(Image im) {
        int w = im.width(), h = im.height(), n = w * h;
        Picture pic = Picture.create(w, h, ColorSpace.YUV420J);
        byte[] yp = pic.getPlaneData(0), up = pic.getPlaneData(1), vp = pic.getPlaneData(2);
        float[] v = im.rgb();
        for (int i = 0; i < n; i++) {
            double r = clamp(v[i]), g = clamp(v[n + i]), b = clamp(v[2 * n + i]);
            yp[i] = (byte) (Math.round(16 + 65.481 * r + 128.553 * g + 24.966 * b) - 128);
        }
        for (int y = 0; y < h / 2; y++)
            for (int x = 0; x < w / 2; x++) {
                double cb = 0, cr = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int i = (2 * y + dy) * w + 2 * x + dx;
                        double r = clamp(v[i]), g = clamp(v[n + i]), b = clamp(v[2 * n + i]);
                        cb += 128 - 37.797 * r - 74.203 * g + 112.0 * b;
                        cr += 128 + 112.0 * r - 93.786 * g - 18.214 * b;
                    }
                up[y * (w / 2) + x] = (byte) (Math.round(cb / 4) - 128);
                vp[y * (w / 2) + x] = (byte) (Math.round(cr / 4) - 128);
            }
        return pic;
    }

    private static double clamp(float f) { return !(f > 0f) ? 0 : f >= 1f ? 1 : f; }

    /** Frames per second as JCodec's rational (to a thousandth: 29.97 stays 29.97). */
    static Rational rate(double fps) {
        if (!(fps > 0) || fps > 1000) throw new NstException("frame rate " + fps + " must be in (0, 1000]");
        return Rational.reduce((int) Math.round(fps * 1000), 1000);
    }

    /**
     * Encodes {@code frames} (PNG files of one size, in order) as an H.264 baseline MP4 at {@code fps}, through a temporary
     * file and a rename. Odd widths or heights lose their last column or row (4:2:0 needs even sizes).
     */
    static void write(Path out, List<Path> frames, double fps) throws IOException {
        if (frames.isEmpty()) throw new NstException("no frames to encode into " + out);
        Rational r = rate(fps);
        AtomicFiles.write(out, ch -> {
            // finish() closes its channel; AtomicFiles still has to force it to disk, and closes it itself
            SinkImpl sink = SinkImpl.createWithStream(new FileChannelWrapper(ch) {
                @Override public void close() {}
            }, Format.MOV, Codec.H264, null);
            sink.init();
            int w = -1, h = -1, index = 0;
            for (Path p : frames) {
                Image im = nst.engine.image.Images.read(p);
                if (w < 0) {
                    w = im.width() & ~1;
                    h = im.height() & ~1;
                    if (w < 2 || h < 2) throw new NstException(p + " is " + im.width() + "x" + im.height() + ": too small for H.264");
                }
                if ((im.width() & ~1) != w || (im.height() & ~1) != h)
                    throw new NstException(p + " is " + im.width() + "x" + im.height() + ", the frames before it " + w + "x" + h);
                if (im.width() != w || im.height() != h) im = crop(im, w, h);
                Packet timing = Packet.createPacket(null, (long) index * r.getDen(), r.getNum(), r.getDen(), index, Packet.FrameType.KEY, null);
                sink.outputVideoFrame(new VideoFrameWithPacket(timing, new PixelStore.LoanerPicture(toPicture(im), 0)));
                index++;
            }
            sink.finish();
        });
    }

    /** The top-left w × h of an image. */
    static Image crop(Image im, int w, int h) {
        float[] v = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                System.arraycopy(im.rgb(), (c * im.height() + y) * im.width(), v, (c * h + y) * w, w);
        return new Image(w, h, v);
    }
}
