#!/usr/bin/env python3
"""What writing a site's files costs by itself: the floor under any build that writes them.

    python3 benches/write_floor.py OUTPUT_DIR NEW_DIR

Creates every file of OUTPUT_DIR again under NEW_DIR (which must not exist), same paths and
sizes, with one open/write/close each and nothing else, and prints the CPU time that took
(user + system, this process only). A build into a fresh folder pays at least this much
for its files, on the same file system, whatever it does to make them; `benches/build.sh`
prints it for casebook's output and for Hugo's.
"""

import os
import sys
import time


def files_of(root):
    """(relative path, size) of every file under root, sorted."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found.append((os.path.relpath(path, root), os.path.getsize(path)))
    return sorted(found)


def write_all(files, target):
    """Creates each file under target with that many bytes; returns the CPU seconds spent."""
    data = memoryview(b"x" * max((size for _, size in files), default=0))
    made = set()
    start = time.process_time()
    for rel, size in files:
        path = os.path.join(target, rel)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            written = 0
            while written < size:  # a write may stop short (at 2 GiB on Linux)
                written += os.write(fd, data[written:size])
        finally:
            os.close(fd)
    return time.process_time() - start


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    if not os.path.isdir(source):
        sys.exit(f"{source} is not a folder")
    if os.path.exists(target):
        sys.exit(f"{target} exists: give a new folder")
    files = files_of(source)
    cpu = write_all(files, target)
    total = sum(size for _, size in files)
    print(f"{len(files)} files, {total / 1e6:.0f} MB: {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
