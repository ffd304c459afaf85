#!/usr/bin/env python3
"""The measuring half of bench/playback.sh (which starts the servers and uploads the film).

For one film on a running `ott serve` and the same file behind nginx, per mode (direct, remux,
audio, transcode; chosen by the browser report sent, as a player would):

- start: from asking `GET /api/files/{id}/playback` to having the init section and the first
  segment (what a player needs before its first frame); direct play: the first 2 MiB of
  `/stream`, against nginx's for the same file.
- seek: from asking for the segment at 90% of the film (in a session started at 0) to having
  it; direct: 2 MiB at 90% of the file.
- CPU seconds of ffmpeg per minute of video made (from /proc, while one session is read as fast
  as it is made), and the speed that is, in times real time; beside the speed of a plain ffmpeg
  doing the same conversion to nowhere (the yardstick).
- sessions in real time: K sessions read at once, each as fast as it can, for CONTENT seconds
  of video each; K keeps up when every one of them gets its video at least as fast as it plays.
  The server's RSS and the ffmpeg processes' total RSS at the largest K.

Prints a Markdown table on stdout; progress on stderr.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

URL = os.environ["OTT_URL"]
TOKEN = os.environ["TOKEN"]
FILE = int(os.environ["FILE_ID"])
NGINX = os.environ["NGINX_URL"]
SOURCE = os.environ["SOURCE"]
SERVER_PID = int(os.environ["OTT_PID"])
DATA = os.environ["OTT_DATA"]
CONTENT = float(os.environ.get("CONTENT", "60"))
TRIES = int(os.environ.get("TRIES", "3"))
AUDIO_SESSIONS = [int(k) for k in os.environ.get("AUDIO_SESSIONS", "1 4 8 10 16 24 32").split()]
TRANSCODE_SESSIONS = [int(k) for k in os.environ.get("TRANSCODE_SESSIONS", "1 2").split()]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*args):
    print("[playback]", *args, file=sys.stderr, flush=True)


def get(path, base=URL, headers=None, method="GET"):
    req = urllib.request.Request(base + path, method=method, headers=headers or {})
    if base == URL:
        req.add_header("Authorization", f"Bearer {TOKEN}")
    for attempt in range(120):
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                return res.read()
        except urllib.error.HTTPError as e:
            # A segment not ready in time, or a conversion slot still taken: ask again.
            if e.code == 503 and attempt < 119:
                time.sleep(0.5)
                continue
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:300]!r}") from e
    raise RuntimeError("unreachable")


def end(session):
    get(f"/api/playback/{session}", method="DELETE")


WATCH = json.loads(get(f"/api/files/{FILE}/watch"))["playback"]
DIRECT_TYPE = WATCH["directType"]
SOURCE_CODECS = DIRECT_TYPE.split('"')[1].split(", ")
SOURCE_VIDEO = SOURCE_CODECS[0]
SOURCE_AUDIO = SOURCE_CODECS[1]
OTHERS = [c for c in WATCH["codecs"] if c not in SOURCE_CODECS]
# The reports of four browsers: one that plays the file (MKV with AC-3: none really does, but
# the numbers are direct play's), one that plays the codecs but not the container, one without
# AC-3, and one without the source's video codec.
REPORTS = {
    "direct": (SOURCE_CODECS + OTHERS, 1),
    "remux": (SOURCE_CODECS + OTHERS, 0),
    "audio": ([SOURCE_VIDEO] + OTHERS, 0),
    "transcode": (OTHERS, 0),
}


def report(mode):
    supported, direct = REPORTS[mode]
    return f"supported={','.join(supported)}&direct={direct}&hls=mse"


def open_session(mode, start=0):
    view = json.loads(get(f"/api/files/{FILE}/playback?{report(mode)}&start={start}"))
    assert view["mode"] == mode, f"asked for {mode}, got {view['mode']}: {view['note']}"
    return view


def playlist(session):
    text = get(f"/api/playback/{session}/index.m3u8").decode()
    lengths = [float(l[8:].rstrip(",")) for l in text.splitlines() if l.startswith("#EXTINF:")]
    return lengths


def starts_of(lengths):
    out, t = [], 0.0
    for length in lengths:
        out.append(t)
        t += length
    return out


def ranged(base, path, offset, size=2 * 1024 * 1024):
    return get(path, base=base, headers={"Range": f"bytes={offset}-{offset + size - 1}"})


def measure_start_and_seek(mode):
    starts, seeks = [], []
    for _ in range(TRIES):
        if mode == "direct":
            size = os.path.getsize(SOURCE)
            t0 = time.monotonic()
            view = open_session(mode)
            ranged(URL, view["url"], 0)
            starts.append(time.monotonic() - t0)
            t0 = time.monotonic()
            ranged(URL, view["url"], int(size * 0.9))
            seeks.append(time.monotonic() - t0)
            continue
        t0 = time.monotonic()
        view = open_session(mode)
        session = view["session"]
        get(f"/api/playback/{session}/master.m3u8")
        lengths = playlist(session)
        get(f"/api/playback/{session}/init.mp4")
        get(f"/api/playback/{session}/0.m4s")
        starts.append(time.monotonic() - t0)
        at = starts_of(lengths)
        target = next(i for i, s in enumerate(at) if s >= 0.9 * sum(lengths))
        t0 = time.monotonic()
        get(f"/api/playback/{session}/{target}.m4s")
        seeks.append(time.monotonic() - t0)
        end(session)
    return statistics.median(starts), statistics.median(seeks)


def nginx_start_and_seek():
    size = os.path.getsize(SOURCE)
    starts, seeks = [], []
    for _ in range(TRIES):
        t0 = time.monotonic()
        ranged(NGINX, "/movie.mkv", 0)
        starts.append(time.monotonic() - t0)
        t0 = time.monotonic()
        ranged(NGINX, "/movie.mkv", int(size * 0.9))
        seeks.append(time.monotonic() - t0)
    return statistics.median(starts), statistics.median(seeks)


def children(name="ffmpeg"):
    """The server's ffmpeg processes."""
    out = subprocess.run(["pgrep", "-P", str(SERVER_PID), name], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except FileNotFoundError:
        return 0.0


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 2**20
    except FileNotFoundError:
        return 0.0


def read_session(session, lengths, upto, timings):
    """Reads the segments covering the first `upto` seconds; stores the wall time taken."""
    t0 = time.monotonic()
    done, n = 0.0, 0
    while done < upto and n < len(lengths):
        get(f"/api/playback/{session}/{n}.m4s")
        done += lengths[n]
        n += 1
    timings.append((done, time.monotonic() - t0))


def cpu_per_minute(mode):
    """ffmpeg CPU seconds per minute of video, and times real time, reading one session."""
    session = open_session(mode)["session"]
    lengths = playlist(session)
    get(f"/api/playback/{session}/init.mp4")
    pids = children()
    timings = []
    read_session(session, lengths, CONTENT, timings)
    cpu = sum(cpu_seconds(p) for p in pids)
    # ffmpeg runs ahead of the reader: what it made is the fragments (one per GOP: the film's
    # GOP when the video is copied, a 4 s segment when it is converted) in the session folder.
    folder = os.path.join(DATA, "playback", session)
    made = 1 + max(int(f[1:-4]) for f in os.listdir(folder) if f.startswith("g") and f.endswith(".m4s"))
    gop = 4.0 if mode == "transcode" else float(os.environ.get("GOP_SECONDS", "2"))
    end(session)
    content, wall = timings[0]
    return cpu / (made * gop / 60), content / wall


def concurrent(mode, k):
    """K sessions read at once: the slowest one's times real time, and RSS at the end."""
    views = [open_session(mode) for _ in range(k)]
    sessions = [v["session"] for v in views]
    lengths = playlist(sessions[0])
    timings = []
    threads = [
        threading.Thread(target=read_session, args=(s, lengths, CONTENT, timings)) for s in sessions
    ]
    peak = {"server": 0.0, "ffmpeg": 0.0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["server"] = max(peak["server"], rss_mib(SERVER_PID))
            peak["ffmpeg"] = max(peak["ffmpeg"], sum(rss_mib(p) for p in children()))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    sampler.join()
    for s in sessions:
        end(s)
    slowest = min(content / wall for content, wall in timings) if len(timings) == k else 0.0
    return slowest, peak


def plain_ffmpeg_speed(mode):
    """Times real time of a plain ffmpeg doing the same conversion of CONTENT seconds."""
    common = ["ffmpeg", "-v", "error", "-nostdin", "-t", str(CONTENT), "-i", SOURCE, "-map", "0:v:0", "-map", "0:a:0"]
    if mode == "audio":
        args = common + ["-c:v", "copy", "-c:a", "aac", "-ac", "2", "-b:a", "160k"]
    elif mode == "transcode":
        args = common + [
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high",
            "-vf", "scale=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p",
            "-c:a", "aac", "-ac", "2", "-b:a", "160k",
        ]
    else:
        args = common + ["-c", "copy"]
    t0 = time.monotonic()
    subprocess.run(args + ["-f", "mp4", "-movflags", "frag_keyframe+empty_moov+delay_moov", "-y", "/dev/null"], check=True)
    return CONTENT / (time.monotonic() - t0)


def main():
    log(f"film: {SOURCE} ({os.path.getsize(SOURCE) / 2**20:.0f} MiB), reports: source {SOURCE_CODECS}")
    rows = []
    nginx_start, nginx_seek = nginx_start_and_seek()
    for mode in ["direct", "remux", "audio", "transcode"]:
        log(f"{mode}: start and seek")
        start, seek = measure_start_and_seek(mode)
        row = {"mode": mode, "start": start, "seek": seek}
        if mode != "direct":
            log(f"{mode}: CPU per minute")
            row["cpu"], row["speed"] = cpu_per_minute(mode)
            log(f"{mode}: plain ffmpeg")
            row["plain"] = plain_ffmpeg_speed(mode)
        ramp = {"audio": AUDIO_SESSIONS, "transcode": TRANSCODE_SESSIONS, "remux": [AUDIO_SESSIONS[-1]]}.get(mode, [])
        best, peak_at = 0, None
        for k in ramp:
            log(f"{mode}: {k} sessions at once")
            slowest, peak = concurrent(mode, k)
            log(f"  slowest {slowest:.2f}x real time; server {peak['server']:.0f} MiB, ffmpeg {peak['ffmpeg']:.0f} MiB")
            if slowest >= 1.0:
                best, peak_at = k, (k, slowest, peak)
            else:
                break
        row["sessions"], row["peak"] = best, peak_at
        rows.append(row)

    print("| mode | start | seek to 90% | ffmpeg CPU s per min of video | made at (× real time) | plain ffmpeg (× real time) | sessions in real time (of tried) | server RSS / ffmpeg RSS then |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        cpu = f"{r['cpu']:.1f}" if "cpu" in r else "0 (no ffmpeg)"
        speed = f"{r['speed']:.1f}×" if "speed" in r else "-"
        plain = f"{r['plain']:.1f}×" if "plain" in r else "-"
        if r["mode"] == "direct":
            start = f"{r['start'] * 1000:.0f} ms (nginx {nginx_start * 1000:.0f} ms)"
            seek = f"{r['seek'] * 1000:.0f} ms (nginx {nginx_seek * 1000:.0f} ms)"
        else:
            start, seek = f"{r['start']:.2f} s", f"{r['seek']:.2f} s"
        tried = {"audio": AUDIO_SESSIONS, "transcode": TRANSCODE_SESSIONS, "remux": [AUDIO_SESSIONS[-1]]}.get(r["mode"], [])
        if r["peak"]:
            k, slowest, peak = r["peak"]
            sessions = f"{k} ({', '.join(map(str, tried))}; slowest {slowest:.1f}×)"
            rss = f"{peak['server']:.0f} MiB / {peak['ffmpeg']:.0f} MiB"
        elif tried:
            sessions, rss = f"0 ({', '.join(map(str, tried))})", "-"
        else:
            sessions, rss = "- (no ffmpeg: as many as the disk serves)", "-"
        print(f"| {r['mode']} | {start} | {seek} | {cpu} | {speed} | {plain} | {sessions} | {rss} |")


main()
