#!/usr/bin/env python3
"""Writes the small hostile inputs of the attack regression suite (issue 18) and, beside them, the
benign *probe* twins that the interop tests hand to real torch. Standard library only; the pickles
are written by hand (protocol 2, GLOBAL opcodes) so that no code is imported or run here:

    /usr/bin/python3 scripts/make_attack_files.py src/test/resources/attack

An attack file never goes to a real unpickler. A probe has the attack's exact layout with harmless
content (two dicts told apart by their keys), so torch can show which pickle it would run.
Large attack inputs (GiB logical views, 100 KB npy headers) are made at test time by AttackFiles.java.
"""
import os
import pickle
import struct
import sys
import warnings
import zipfile

warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we write on purpose


def call(module, name, *args):
    """A protocol-2 pickle of module.name(*args) with string arguments: GLOBAL + REDUCE, never imported."""
    out = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n"
    out += b"("
    for a in args:
        out += pickle.dumps(a, protocol=2)[2:-1]  # the value's opcodes without PROTO and STOP
    return out + b"tR."


def dict_pickle(d):
    return pickle.dumps(d, protocol=2)


def zip_of(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)  # a fixed date: the same bytes every run


def overlapping_zip(path, first, second):
    """Two central records pointing at one local header (the second's name differs): overlapping entries."""
    zip_of(path, [("archive/data.pkl", first), ("archive/version", b"3\n")])
    with open(path, "rb") as f:
        b = bytearray(f.read())
    eocd = b.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", b, eocd + 16)[0]
    cd = bytes(b[cd_off:eocd])
    # a third record: 'archive/data/0' aliasing data.pkl's bytes
    first_rec_len = 46 + struct.unpack_from("<H", cd, 28)[0] + struct.unpack_from("<H", cd, 30)[0] + struct.unpack_from("<H", cd, 32)[0]
    rec = bytearray(cd[:first_rec_len])
    name = b"archive/data/0"
    rec[28:30] = struct.pack("<H", len(name))
    rec = rec[:46] + name + rec[46 + struct.unpack_from("<H", cd, 28)[0]:]
    new_cd = cd + bytes(rec)
    tail = bytearray(b[eocd:])
    n = struct.unpack_from("<H", tail, 10)[0] + 1
    struct.pack_into("<HHII", tail, 8, n, n, len(new_cd), cd_off)
    with open(path, "wb") as f:
        f.write(bytes(b[:cd_off]) + new_cd + bytes(tail))


# The hidden pickle of the zip cases: what torch.load(weights_only=False) would run.
HIDDEN = call("posix", "system", "echo weightbench-attack")
SHOWN = dict_pickle({"a": 1})

# name -> entries; the probe twin swaps HIDDEN for a second benign dict
ZIPS = {
    # torch 1.13 reads the LAST of two same-named records; other zip readers the first
    "zip_duplicate_datapkl": [("archive/data.pkl", "H"), ("archive/version", b"3\n"), ("archive/data.pkl", "S")],
    "zip_duplicate_datapkl_reversed": [("archive/data.pkl", "S"), ("archive/version", b"3\n"), ("archive/data.pkl", "H")],
    # a second top folder: torch refuses the archive ("file in archive is not in a subdirectory")
    "zip_two_folders": [("a/data.pkl", "S"), ("a/version", b"3\n"), ("b/data.pkl", "H"), ("b/version", b"3\n")],
    "zip_two_folders_pickle_second": [("b/version", b"3\n"), ("a/data.pkl", "S"), ("a/version", b"3\n"), ("b/data.pkl", "H")],
    # data.pkl at the root: torch refuses it
    "zip_root_datapkl": [("data.pkl", "H"), ("version", b"3\n")],
    # a nested folder's data.pkl is not torch's: it reads <first folder>/data.pkl
    "zip_nested_datapkl": [("a/version", b"3\n"), ("a/b/data.pkl", "H"), ("a/data.pkl", "S")],
}


# One torch zip per global: data.pkl is {"x": <the global>} (named, never called). torch.load(weights_only=True)
# refuses it at the GLOBAL opcode, before anything is called, unless the global is on its allowlist;
# AllowlistInteropTest checks that Weightbench warns about exactly the ones torch refuses.
GLOBALS = {
    "dangerous": ["posix.system", "os.system", "nt.system", "os.popen", "subprocess.Popen", "subprocess.check_output",
                  "builtins.eval", "builtins.exec", "builtins.getattr", "builtins.__import__", "builtins.open",
                  "timeit.timeit", "timeit.repeat", "cProfile.run", "cProfile.runctx", "profile.run", "pydoc.pipepager",
                  "pdb.run", "runpy.run_path", "webbrowser.open", "operator.attrgetter", "operator.methodcaller",
                  "pickle.loads", "shutil.rmtree", "socket.create_connection", "importlib.import_module", "torch.load",
                  "numpy.load", "ctypes.CDLL", "code.interact", "sys.exit", "marshal.loads",
                  "torch.hub.load"],
    "unknown": ["argparse.Namespace", "functools.partial", "pathlib.PosixPath", "my_project.models.Net", "torch.nn.modules.conv.Conv2d",
                "torch.optim.sgd.SGD", "copyreg._reconstructor", "builtins.object", "__main__.Config", "torch.tensor"],
    "data": ["numpy.core.multiarray._reconstruct", "numpy.dtype", "numpy.core.multiarray.scalar", "numpy.ndarray",
             "torch.device", "torch._utils._rebuild_qtensor", "builtins.set", "torch.bfloat16", "torch.uint8",
             "collections.defaultdict", "_codecs.encode"],
    "torch_safe": ["collections.OrderedDict", "torch.Size", "torch.FloatStorage", "torch.BFloat16Storage",
                   "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "torch.float32", "torch.int64",
                   "torch.nn.parameter.Parameter", "torch.storage.UntypedStorage", "torch.cuda.HalfTensor",
                   "torch.sparse.FloatTensor", "torch.serialization._get_layout", "torch.QUInt8Storage", "torch.Tensor"],
}


def naming(qualified):
    module, name = qualified.rsplit(".", 1)
    return b"\x80\x02}q\x00X\x01\x00\x00\x00xc" + module.encode() + b"\n" + name.encode() + b"\ns."


# Calls that run code under torch.load: for Weightbench only (the attack suite), never torch.
CALLS = {
    "call_os_system": call("os", "system", "echo weightbench-attack"),
    "call_timeit": call("timeit", "timeit", "print('weightbench-attack')"),
    "call_cprofile_run": call("cProfile", "run", "print('weightbench-attack')"),
    "call_pydoc_pipepager": call("pydoc", "pipepager", "weightbench-attack", "cat"),
    "call_builtins_eval": call("builtins", "eval", "print('weightbench-attack')"),
}


def tensor_pickle_ops(shape, strides, numel):
    """Opcodes pushing torch._utils._rebuild_tensor_v2(storage '0' of numel floats, 0, shape, strides, False, OrderedDict())."""
    def tup(xs):
        return b"(" + b"".join(b"J" + struct.pack("<i", x) if x < 2**31 else b"\x8a\x08" + struct.pack("<q", x) for x in xs) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
            + b"J" + struct.pack("<i", numel) + b"tQ" + b"K\x00" + tup(shape) + tup(strides) + b"\x89ccollections\nOrderedDict\n)RtR")


def nested_tuples(levels, base=0):
    """Leaves t[levels] on the stack, where t[0] = ('a',) and t[i] = (t[i-1], t[i-1]) (memo base+i):
    2^levels leaves in a few bytes a level."""
    out = b"X\x01\x00\x00\x00a\x85q" + bytes([base]) + b"0"
    for i in range(1, levels + 1):
        m = bytes([base + i - 1])
        out += b"h" + m + b"h" + m + b"\x86q" + bytes([base + i]) + b"0"
    return out + b"h" + bytes([base + levels])


def hangs(out):
    """Pickles whose work (not their size) is huge: hashing shared tuples, copying a list again and again."""
    n = 60
    with open(os.path.join(out, "pickle_nested_tuple_dict_key.pkl"), "wb") as f:
        f.write(b"\x80\x02}q\xf0" + nested_tuples(n) + b"K\x01s.")  # {t60: 1}
    with open(os.path.join(out, "pickle_nested_tuple_set_item.pkl"), "wb") as f:
        f.write(b"\x80\x04\x8fq\xf0(" + nested_tuples(n) + b"\x90.")  # {t60}
    # two equal, distinct DAGs as keys of one dict: equal hashes, so the dict compares them
    with open(os.path.join(out, "pickle_equal_tuple_dags.pkl"), "wb") as f:
        f.write(b"\x80\x02}q\xf0" + nested_tuples(n) + b"K\x01s" + nested_tuples(n, 100) + b"K\x02s.")
    # L = [0] * 20000, then list(L) 20,000 times (400 M items copied by 20,000 calls)
    items = 20000
    body = b"\x80\x02cbuiltins\nlist\nq\x01]q\x02(" + b"K\x00" * items + b"e"
    body += b"0" + (b"h\x01h\x02\x85R0" * 20000) + b"h\x02."
    with open(os.path.join(out, "pickle_list_copies.pkl"), "wb") as f:
        f.write(body)
    # a negative memo index read (the fuzzer's IndexOutOfBoundsException)
    with open(os.path.join(out, "pickle_negative_memo_get.pkl"), "wb") as f:
        f.write(b"\x80\x02K\x01q\x00g-1\n.")


def tensors(out):
    """Torch zips whose tensors are hostile: a DAG of dicts naming 2^40 tensors, a stride-0 view of 32 GiB over 16 bytes."""
    storage = struct.pack("<4f", 1, 2, 3, 4)
    leaf = tensor_pickle_ops((4,), (1,), 4) + b"q\x00"
    dag = b"\x80\x02" + leaf
    for i in range(1, 41):
        dag += b"}q" + bytes([i]) + b"(X\x01\x00\x00\x00ah" + bytes([i - 1]) + b"X\x01\x00\x00\x00bh" + bytes([i - 1]) + b"u0h" + bytes([i])
    dag += b"."
    zip_of(os.path.join(out, "zip_dag_of_dicts.pt"), [("archive/data.pkl", dag), ("archive/data/0", storage), ("archive/version", b"3\n")])
    view = b"\x80\x02}q\x00X\x04\x00\x00\x00viewq\x01" + tensor_pickle_ops((65536, 65536, 2), (0, 0, 0), 4) + b"s."
    zip_of(os.path.join(out, "zip_stride0_view.pt"), [("archive/data.pkl", view), ("archive/data/0", storage), ("archive/version", b"3\n")])


def npy(path, header, data=b""):
    h = header.encode("latin1")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x02\x00" + struct.pack("<I", len(h)) + h + data)


def headers(out):
    npy(os.path.join(out, "npy_long_header.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + " " * 20000 + "\n", b"\0" * 4)
    npy(os.path.join(out, "npy_code_in_header.npy"),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': __import__('os').system('echo weightbench-attack'), }\n", b"\0" * 4)
    npy(os.path.join(out, "npy_nested_header.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 2000 + ")" * 2000 + "}\n")
    npy(os.path.join(out, "npy_huge_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }\n")
    # safetensors offsets that overflow (the leaked 'region [338, -9223...]')
    hdr = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[338,9223372036854775807]}}'
    with open(os.path.join(out, "safetensors_offset_overflow.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hdr)) + hdr + b"\0" * 400)
    hdr = b'{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,16]}}'
    with open(os.path.join(out, "safetensors_shape_overflow.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hdr)) + hdr + b"\0" * 16)


def hdf5(out):
    """HDF5 files whose structures point back at themselves (made with h5py, then patched; skipped without h5py):
    an object header whose continuation message names its own message block, and a group B-tree node
    (made an internal node) whose child is itself."""
    try:
        import h5py
        import numpy as np
    except ImportError:
        print("h5py missing: HDF5 attack files not written")
        return
    path = os.path.join(out, "hdf5_continuation_loop.h5")
    with h5py.File(path, "w") as f:
        d = f.create_dataset("w", data=np.arange(4, dtype="f4"))
        for i in range(20):
            d.attrs["a%d" % i] = np.arange(50, dtype="f8")  # pushes messages into a continuation block
        addr = h5py.h5o.get_info(d.id).addr
    b = bytearray(open(path, "rb").read())
    size, = struct.unpack_from("<I", b, addr + 8)
    pos = addr + 16
    while struct.unpack_from("<H", b, pos)[0] != 0x10:
        pos += 8 + struct.unpack_from("<H", b, pos + 2)[0]
    struct.pack_into("<QQ", b, pos + 8, addr + 16, size)  # continue at this very block
    open(path, "wb").write(bytes(b))
    path = os.path.join(out, "hdf5_btree_cycle.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("w", data=np.arange(4, dtype="f4"))
    b = bytearray(open(path, "rb").read())
    tree = b.index(b"TREE")
    b[tree + 5] = 1  # level 1: its children are B-tree nodes
    struct.pack_into("<Q", b, tree + 8 + 16 + 8, tree)  # the first child is the node itself
    open(path, "wb").write(bytes(b))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    probe = dict_pickle({"hidden": 2})
    for name, entries in ZIPS.items():
        for suffix, hidden in (("", HIDDEN), ("_probe", probe)):
            ents = [(n, HIDDEN if d == "H" else SHOWN if d == "S" else d) for n, d in entries]
            ents = [(n, hidden if d is HIDDEN else d) for n, d in ents]
            zip_of(os.path.join(out, name + suffix + ".pt"), ents)
    overlapping_zip(os.path.join(out, "zip_overlapping_entries.pt"), HIDDEN, SHOWN)
    overlapping_zip(os.path.join(out, "zip_overlapping_entries_probe.pt"), probe, SHOWN)
    gdir = os.path.join(out, "globals")
    os.makedirs(gdir, exist_ok=True)
    for kind, names in GLOBALS.items():
        for g in names:
            zip_of(os.path.join(gdir, kind + "__" + g + ".pt"), [("archive/data.pkl", naming(g)), ("archive/version", b"3\n")])
    for name, pkl in CALLS.items():
        zip_of(os.path.join(out, name + ".pt"), [("archive/data.pkl", pkl), ("archive/version", b"3\n")])
    hangs(out)
    tensors(out)
    headers(out)
    hdf5(out)
    print("wrote attack files to", out)


if __name__ == "__main__":
    main()
