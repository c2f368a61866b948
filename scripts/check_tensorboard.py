#!/usr/bin/env python3
"""Load TensorBoard event files with TensorBoard's own reader and print what
it found: for each run folder, each scalar and image tag with its number of
entries.

Used by hand to confirm that files written by modedrop's
`report::tensorboard::EventWriter` are read by the real TensorBoard, not only
by the Rust tests' decoder. Needs `pip install tensorboard`.

    python scripts/check_tensorboard.py FOLDER [--values]

Like `tensorboard --logdir FOLDER`, it looks for event files in FOLDER and
every folder below it. Exits with status 1 if it finds no scalar and no
image.
"""

import argparse
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import (
    IMAGES,
    SCALARS,
    EventAccumulator,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="folder holding events.out.tfevents.* files")
    parser.add_argument(
        "--values", action="store_true", help="also print each scalar and image entry"
    )
    args = parser.parse_args()

    runs = sorted(
        folder
        for folder, _, files in os.walk(args.folder)
        if any(name.startswith("events.out.tfevents.") for name in files)
    )
    found = 0
    for run in runs:
        print(f"run {run}")
        found += report_run(run, args.values)
    if found == 0:
        print(f"{args.folder}: no scalars or images found", file=sys.stderr)
        return 1
    return 0


def report_run(folder: str, values: bool) -> int:
    """Prints the tags of one run folder; returns how many it found."""
    # size_guidance 0 keeps every entry instead of a reservoir sample.
    accumulator = EventAccumulator(folder, size_guidance={SCALARS: 0, IMAGES: 0})
    accumulator.Reload()
    tags = accumulator.Tags()

    for tag in tags[SCALARS]:
        events = accumulator.Scalars(tag)
        print(f"  scalar {tag}: {len(events)}")
        if values:
            for event in events:
                print(f"    step {event.step}: {event.value!r}")
    for tag in tags[IMAGES]:
        events = accumulator.Images(tag)
        print(f"  image {tag}: {len(events)}")
        if values:
            for event in events:
                print(
                    f"    step {event.step}: {event.width}x{event.height}, "
                    f"{len(event.encoded_image_string)} PNG bytes"
                )
    return len(tags[SCALARS]) + len(tags[IMAGES])


if __name__ == "__main__":
    sys.exit(main())
