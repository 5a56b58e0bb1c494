#!/usr/bin/python3
"""Converts MB-GMN / CIGF pickles (trn_<behaviour>: scipy users x items; tst_int: per-user item or None)
in FOLDER to the kit's text format: <behaviour>.txt ("user item item ..." lines) and test.txt ("user item").
Usage: python3 data/convert_mbgmn.py FOLDER   (needs python3-scipy)."""
import glob
import os
import pickle
import sys

folder = sys.argv[1]
for path in sorted(glob.glob(os.path.join(folder, "trn_*"))):
    with open(path, "rb") as f:
        m = (pickle.load(f) != 0).tocsr()
    with open(os.path.join(folder, os.path.basename(path)[4:] + ".txt"), "w") as out:
        for u in range(m.shape[0]):
            items = m.indices[m.indptr[u]:m.indptr[u + 1]]
            if len(items):
                out.write(f"{u} {' '.join(map(str, sorted(items)))}\n")
with open(os.path.join(folder, "tst_int"), "rb") as f:
    tst = pickle.load(f)
with open(os.path.join(folder, "test.txt"), "w") as out:
    for u, i in enumerate(tst):
        if i is not None:
            out.write(f"{u} {i}\n")
