#!/usr/bin/env python3
"""Prints the identity validated gives a checkpoint folder: the SHA-256 that the store and journal name it by.

    python3 folder_sha256.py FOLDER [--out FILE]

The digest is taken over, for each regular file below FOLDER (at any depth, hidden ones too) in ascending byte
order of its relative path: the path (UTF-8, "/"-separated), a NUL byte, the size in decimal ASCII, a newline,
and the file's bytes. A symbolic link counts as the file it points to, under the link's name; a link to a folder
or to nothing is an error. Empty folders do not count. This is the reference for CheckpointHasher.
"""
import argparse
import hashlib
import os
import stat
import sys


def files(root):
    found = []
    for directory, folders, names in os.walk(root):
        for name in folders + names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                continue
            if stat.S_ISLNK(mode) and not os.path.isfile(path):
                sys.exit(f"{root}: {relative} is a link to a folder or to nothing")
            if not stat.S_ISREG(os.stat(path).st_mode):
                sys.exit(f"{root}: {relative} is not a regular file")
            found.append(relative)
    return sorted(found, key=str.encode)


def folder_sha256(root):
    digest = hashlib.sha256()
    for relative in files(root):
        path = os.path.join(root, relative)
        digest.update(relative.encode() + b"\0" + str(os.path.getsize(path)).encode() + b"\n")
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--out", help="write the digest to this file instead of standard output")
    arguments = parser.parse_args()
    digest = folder_sha256(arguments.folder)
    if arguments.out:
        with open(arguments.out, "w") as handle:
            handle.write(digest + "\n")
    else:
        print(digest)


if __name__ == "__main__":
    main()
