#!/usr/bin/python3
"""Writes the built-in model catalog (src/main/resources/io/weightbench/model/catalog/): every
timm architecture (timm.list_models()) and every torchvision one (torchvision.models.list_models()),
each as the keys, shapes, dtypes and kinds (parameter / buffer) of a freshly built model's
state_dict, how timm's options num_classes, in_chans and features_only change them, its default
num_classes and input size, and (timm) its pretrained tags with their pretrained_cfg. No weights are
downloaded. Run on demand, not in CI (1,420 architectures in 1,135 s on the shared 2-core machine,
2026-12-07), with Debian's torch and the vendored timm:

    PYTHONPATH=../shared/vendor/timm /usr/bin/python3 scripts/make_timm_catalog.py \\
        src/main/resources/io/weightbench/model/catalog [NAME_GLOB ...]

Building 1,300 models the ordinary way took over an hour in an earlier attempt, nearly all of it in
weight initialisation (random fills, orthogonal_, trunc_normal_ ...). Initialisation never changes a key,
a shape or a dtype, so every init function of torch.nn.init and timm.layers.weight_init (also where
a module imported it under its own name) and the Tensor's random in-place fills are replaced by
no-ops before any model is built; torch.empty's memory is never touched, so most models build in
milliseconds and 1B-parameter ones in under a second (the slowest, beit and vitamin, compute
relative-position buffers in Python: 10-20 s for the seven builds of one architecture). `--check N` instead builds N random entries both ways and
compares their state_dicts (keys, shapes, dtypes), which is how the shortcut is verified.

The models are first written to one file in this format, then laid out for the jar by relayout()
(see there; CatalogFile.java reads that):

    # comment lines
    M <namespace>/<name>\t<json: num_classes, in_chans, input_size, features, family, ...>
    S <namespace>/<name>          the previous M's tensors are the same as this earlier model's
    T <key>\t<shape>\t<flags>     one state_dict entry, in state_dict order
    P <name>.<tag>\t<json: the tag's pretrained_cfg (selected fields)>

A shape is comma-separated dims; a dim that follows an option is written `nc`, `ic`, `K*ic` or
`K*ic+B` (num_classes, in_chans). Flags, space separated, any of: a dtype other than float32;
`b` a (persistent) buffer, otherwise a parameter; `h` the key is gone with num_classes=0;
`f=<key>` the key under features_only when it differs; `f-` absent under features_only.
Lines `X <key>\t<shape>\t<flags>` after the T lines are keys only the num_classes=0 model has
(flag `h0`) or only the features_only model has (flag `f+`).
"""
import argparse
import fnmatch
import json
import math
import random
import signal
import sys
import time

import torch
import torch.nn as nn

NC_PROBE = (17, 29, 0)
IC_PROBE = (1, 2)


# --- init made free -------------------------------------------------------------------------

def _noop(tensor, *args, **kwargs):
    return tensor


def make_init_free():
    """Replaces every weight-init function (and the Tensor's random fills) with a no-op."""
    import timm  # noqa: F401  (imports every timm.models module, so their imported names exist)
    import timm.layers.weight_init as wi
    import torchvision  # noqa: F401
    originals = {}
    for mod in (nn.init, wi):
        for name in dir(mod):
            f = getattr(mod, name)
            if name.endswith("_") and not name.startswith("_") and callable(f):
                originals[id(f)] = f
                setattr(mod, name, _noop)
    for name in ("_trunc_normal_", "_no_grad_trunc_normal_", "_no_grad_normal_", "_no_grad_uniform_", "_no_grad_fill_", "_no_grad_zero_"):
        for mod in (nn.init, wi):
            if hasattr(mod, name):
                originals[id(getattr(mod, name))] = getattr(mod, name)
                setattr(mod, name, _noop)
    replaced = 0
    for mname, mod in list(sys.modules.items()):
        if mod is None or not (mname.startswith("timm") or mname.startswith("torchvision")):
            continue
        for name, f in list(vars(mod).items()):
            if id(f) in originals and originals[id(f)] is f:
                setattr(mod, name, _noop)
                replaced += 1
    # In-place fills and arithmetic write values only (never a shape) but touch every page of a
    # weight that torch.empty left untouched: eva02_enormous's 4.4B values would need 17 GB.
    for name in ("normal_", "uniform_", "exponential_", "geometric_", "log_normal_", "cauchy_", "random_", "bernoulli_",
                 "fill_", "zero_", "copy_", "div_", "mul_", "add_", "sub_", "clamp_"):
        setattr(torch.Tensor, name, _noop)
    return replaced


# --- what a model's state_dict is -----------------------------------------------------------

def entries(model):
    """[(key, shape, dtype, is_buffer)] in state_dict order, and the non-persistent buffers."""
    sd = model.state_dict(keep_vars=True)
    out = [(k, tuple(v.shape), str(v.dtype).replace("torch.", ""), not isinstance(v, nn.Parameter)) for k, v in sd.items()]
    non_persistent = []
    for mname, m in model.named_modules():
        for b in sorted(getattr(m, "_non_persistent_buffers_set", ())):
            non_persistent.append((mname + "." if mname else "") + b)
    return out, non_persistent


def values_of(ents):
    return sum(math.prod(s) for _, s, d, _ in ents if d.startswith("float") or d.startswith("bfloat") or d.startswith("complex"))


def linear_dim(base_value, base_opt, probes):
    """The dim as a*opt+b if the probes fit one line through (base_opt, base_value), else None."""
    (o1, v1) = probes[0]
    if o1 == base_opt:
        return None
    a = (v1 - base_value) // (o1 - base_opt) if (v1 - base_value) % (o1 - base_opt) == 0 else None
    if a is None:
        return None
    b = base_value - a * base_opt
    if any(a * o + b != v for o, v in probes):
        return None
    return a, b


def dim_text(var, a, b):
    if a == 0:
        return str(b)
    s = var if a == 1 else f"{a}*{var}"
    return s if b == 0 else f"{s}+{b}" if b > 0 else f"{s}{b}"


class Unsupported(Exception):
    pass


def symbolic_shapes(base, variants, var, base_opt):
    """Per base key: its shape with dims that follow the option written symbolically.
    variants: [(option value, {key: shape})], only keys present in all are compared."""
    out = {}
    for key, shape, _, _ in base:
        dims = list(shape)
        present = [(o, v[key]) for o, v in variants if key in v]
        for o, vs in present:
            if len(vs) != len(shape):
                raise Unsupported(f"{key} changes rank with {var}={o}")
        for i, d in enumerate(shape):
            probes = [(o, vs[i]) for o, vs in present]
            if all(p[1] == d for p in probes):
                continue
            lin = linear_dim(d, base_opt, probes)
            if lin is None:
                raise Unsupported(f"{key} dim {i} does not follow {var} linearly: {d} at {base_opt}, {probes}")
            dims[i] = dim_text(var, *lin)
        out[key] = dims
    return out


# --- building ------------------------------------------------------------------------------

class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def build_timm(name, **kw):
    import timm
    return timm.create_model(name, pretrained=False, **kw)


def build_torchvision(name, **kw):
    import inspect
    import torchvision
    params = inspect.signature(torchvision.models.get_model_builder(name)).parameters
    extra = {}
    if name in ("googlenet", "inception_v3", "quantized_googlenet", "quantized_inception_v3"):
        extra["init_weights"] = False  # keys unchanged; skips scipy's truncnorm
    if "weights_backbone" in params:
        extra["weights_backbone"] = None  # detection and segmentation models would download their backbone's weights
    return torchvision.models.get_model(name, weights=None, **extra, **kw)


def features_key_map(base, feats):
    """Maps the features_only model's keys onto the base keys (timm's feature wrappers flatten
    module paths with '_' or nest the model under 'model.'); returns (per-base feature key or None,
    extra feature keys)."""
    def norm(k):
        return k.replace("_", ".")
    by_norm = {}
    for key, shape, dtype, buf in base:
        by_norm.setdefault(norm(key), []).append(key)
    fmap, extra = {}, []
    for fk, fshape, fdtype, fbuf in feats:
        cands = by_norm.get(norm(fk))
        if cands is None and fk.startswith("model."):
            cands = by_norm.get(norm(fk[len("model."):]))
        cands = [c for c in (cands or []) if c not in fmap]
        if not cands:
            extra.append((fk, fshape, fdtype, fbuf))
            continue
        fmap[cands[0]] = fk
    return fmap, extra


def describe(ns, name, build):
    """One architecture: its metadata and its T / X lines."""
    model = build(name)
    base, non_persistent = entries(model)
    meta = {}
    cfg = getattr(model, "pretrained_cfg", None) or {}
    nc = getattr(model, "num_classes", None)
    meta["family"] = type(model).__module__.split(".")[-1]
    if ns == "timm":
        meta["num_classes"] = nc
        meta["in_chans"] = 3
        for k in ("input_size", "first_conv", "classifier"):
            if cfg.get(k):
                meta[k] = list(cfg[k]) if isinstance(cfg[k], tuple) else cfg[k]
    meta["tensors"] = len(base)
    meta["values"] = values_of(base)
    if non_persistent:
        meta["non_persistent"] = non_persistent
    del model

    # The tensor list: with a head (num_classes > 0) where timm allows the option, else the default.
    rows = [[k, list(s), d, b, []] for k, s, d, b in base]
    extra = []
    errors = {}
    if ns == "timm":
        try:
            rows, extra = with_num_classes(name, build, base, nc)
            meta["num_classes_option"] = True
        except Exception as e:  # noqa: BLE001  (timm refuses the option, or it does not follow a rule)
            errors["num_classes"] = f"{type(e).__name__}: {str(e)[:200]}"
        try:
            with_in_chans(name, build, rows)
            meta["in_chans_option"] = True
        except Exception as e:  # noqa: BLE001
            errors["in_chans"] = f"{type(e).__name__}: {str(e)[:200]}"
        try:
            prefix = with_features(name, build, rows, extra, nc)
            if prefix:
                meta["features_prefix"] = prefix
            meta["features"] = True
        except Exception as e:  # noqa: BLE001
            errors["features_only"] = f"{type(e).__name__}: {str(e)[:200]}"
            for r in rows + extra:
                r[4] = [f for f in r[4] if not f.startswith("f")]
            extra = [r for r in extra if "f+" not in r[4]]
    derived = derive(rows, extra, nc=nc)
    if sorted(derived) != sorted((k, list(s), d, b) for k, s, d, b in base):
        raise AssertionError(f"{ns}/{name}: the stored form does not give back the default model")
    if errors:
        meta["unsupported"] = errors
    lines = []
    for tag, group in (("T", rows), ("X", extra)):
        for key, shape, dtype, buf, flags in group:
            fl = ([] if dtype == "float32" else [dtype]) + (["b"] if buf else []) + flags
            lines.append(f"{tag} {key}\t" + ",".join(str(d) for d in shape) + "\t" + " ".join(fl))
    return meta, lines


def derive(rows, extra, nc, ic=3, features=False, prefix=""):
    """What the stored form says the model's state_dict is for these options (the Java reader's
    rule, here to check the stored form against the real models)."""
    out = []
    for key, shape, dtype, buf, flags in rows + extra:
        if "h0" in flags and nc != 0 or "h" in flags and nc == 0:
            continue
        if features:
            if "f-" in flags:
                continue
            fk = next((f[2:] for f in flags if f.startswith("f=")), None)
            key = prefix + (fk if fk is not None else flatten_first(key) if "f_" in flags else key)
        elif "f+" in flags:
            continue
        out.append((key, _eval(shape, ic=ic, nc=nc), dtype, buf))
    return out


def flatten_first(key):
    head, _, rest = key.partition(".")
    return head + "_" + rest


def with_num_classes(name, build, base, nc):
    """The tensor rows with dims that follow num_classes symbolic (fitted through two head sizes),
    flag h on keys gone with num_classes=0, and extra rows (flag h0) only that model has."""
    variants = []
    for probe in NC_PROBE:
        ents, _ = entries(build(name, num_classes=probe))
        variants.append((probe, ents))
    (p1, a), (p2, b), (_, z) = variants
    if [k for k, *_ in a] != [k for k, *_ in b]:
        raise Unsupported("the keys change with num_classes")
    bshape = {k: s for k, s, *_ in b}
    rows = []
    for key, shape, dtype, buf in a:
        dims = []
        for i, d in enumerate(shape):
            e = bshape[key][i]
            if d == e:
                dims.append(d)
                continue
            lin = linear_dim(d, p1, [(p2, e)])
            if lin is None:
                raise Unsupported(f"{key} dim {i} does not follow num_classes linearly")
            dims.append(dim_text("nc", *lin))
        rows.append([key, dims, dtype, buf, []])
    zero = {k: s for k, s, *_ in z}
    known = {r[0] for r in rows}
    for r in rows:
        if r[0] not in zero:
            r[4].append("h")
        elif list(zero[r[0]]) != _eval(r[1], nc=0):
            raise Unsupported(f"{r[0]} is {list(zero[r[0]])} with num_classes=0")
    extra = [[k, list(s), d, bf, ["h0"]] for k, s, d, bf in z if k not in known]
    return rows, extra


def with_in_chans(name, build, rows):
    """Writes the dims that follow in_chans symbolically into rows (fitted through 1, 2 and 3)."""
    variants = []
    for probe in IC_PROBE:
        m = build(name, in_chans=probe, **({"num_classes": NC_PROBE[0]} if any("nc" in str(d) for r in rows for d in r[1]) else {}))
        ents, _ = entries(m)
        variants.append((probe, {k: s for k, s, *_ in ents}))
    keys = [r[0] for r in rows if "h0" not in r[4]]
    for probe, v in variants:
        if sorted(v) != sorted(keys):
            raise Unsupported(f"the keys change with in_chans={probe}")
    new_dims = []
    for key, dims, *_ in rows:
        nd = list(dims)
        for i, d in enumerate(dims):
            probes = [(o, v[key][i]) for o, v in variants]
            base = _eval([d], nc=NC_PROBE[0])[0]
            if all(pv == base for _, pv in probes):
                continue
            if isinstance(d, str):
                raise Unsupported(f"{key} dim {i} follows both num_classes and in_chans")
            lin = linear_dim(d, 3, probes)
            if lin is None:
                raise Unsupported(f"{key} dim {i} does not follow in_chans linearly")
            nd[i] = dim_text("ic", *lin)
        new_dims.append(nd)
    for r, nd in zip(rows, new_dims):
        r[1] = nd


def with_features(name, build, rows, extra, nc):
    """Adds the features_only flags; returns the prefix all feature keys share, if any."""
    feats, _ = entries(build(name, features_only=True))
    base = [(r[0], r[1], r[2], r[3]) for r in rows if "h0" not in r[4]]
    fmap, fextra = features_key_map(base, feats)
    prefix = "model." if fmap and all(fk.startswith("model.") for fk in fmap.values()) else ""
    for r in rows:
        if "h0" in r[4]:
            r[4].append("f-")
            continue
        fk = fmap.get(r[0])
        if fk is None:
            r[4].append("f-")
            continue
        fk = fk[len(prefix):]
        if fk == r[0]:
            pass
        elif fk == flatten_first(r[0]):
            r[4].append("f_")
        else:
            r[4].append("f=" + fk)
    for k, s, d, b in fextra:
        extra.append([k[len(prefix):] if k.startswith(prefix) else k, list(s), d, b, ["f+"]])
    got = derive(rows, extra, nc=nc, features=True, prefix=prefix)
    want = [(k, list(s), d, b) for k, s, d, b in feats]
    if sorted(got) != sorted(want):
        raise Unsupported("the features_only keys follow no rule")
    return prefix


def _eval(dims, ic=3, nc=None):
    out = []
    for d in dims:
        if isinstance(d, int):
            out.append(d)
            continue
        s = str(d)
        var = "nc" if "nc" in s else "ic"
        val = nc if var == "nc" else ic
        a, rest = (s.split("*" + var)[0], s.split(var, 1)[1]) if "*" in s else ("1", s.split(var, 1)[1])
        out.append(int(a) * val + (int(rest) if rest else 0))
    return out


PRETRAINED_FIELDS = ("num_classes", "input_size", "mean", "std", "license", "hf_hub_id", "interpolation", "crop_pct",
                     "first_conv", "classifier", "label_offset")


def pretrained_lines(names):
    import timm
    from timm.models import get_pretrained_cfg
    out = {}
    for full in timm.list_pretrained():
        arch = full.split(".", 1)[0]
        if arch not in names:
            continue
        cfg = get_pretrained_cfg(full)
        d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.to_dict().items() if k in PRETRAINED_FIELDS and v is not None} if cfg else {}
        out.setdefault(arch, []).append("P " + full + "\t" + json.dumps(d, separators=(",", ":")))
    return out


def architectures(globs):
    import timm
    import torchvision
    names = [("timm", n) for n in timm.list_models()] + [("torchvision", n) for n in torchvision.models.list_models()]
    if globs:
        names = [(ns, n) for ns, n in names if any(fnmatch.fnmatch(f"{ns}/{n}", g) or fnmatch.fnmatch(n, g) for g in globs)]
    return names


def read_catalog(path):
    """The single-file catalog as [(name, meta, row lines or None, same-rows name or None, P lines)], and its comments."""
    models, comments = [], []
    for line in open(path).read().split("\n"):
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line)
        elif line.startswith("M "):
            name, meta = line[2:].split("\t", 1)
            models.append([name, json.loads(meta), [], None, []])
        elif line.startswith("S "):
            models[-1][3] = line[2:]
        elif line[0] in "TX":
            models[-1][2].append(line)
        elif line.startswith("P "):
            models[-1][4].append(line)
    return models, comments


def default_entries(lines, nc):
    """(key, shape text, dtype) of the default state_dict the row lines describe."""
    out = []
    for line in lines:
        key, shape, flags = line[2:].split("\t")
        fl = flags.split()
        if "f+" in fl or ("h" in fl and nc == 0) or ("h0" in fl and nc != 0):
            continue
        dims = [int(d) if d.lstrip("-").isdigit() else d for d in shape.split(",")] if shape else []
        dtype = next((f for f in fl if f not in ("b", "h", "h0", "f-", "f+", "f_") and not f.startswith("f=")), "float32")
        out.append((key, ",".join(str(d) for d in _eval(dims, nc=nc)), dtype))
    return out


def relayout(single, out_dir):
    """Writes the catalog as the jar holds it: out_dir/index.txt (M lines, each architecture's shape
    signatures as G lines over a table of Z lines, P lines) and out_dir/<namespace>/<name>.txt (its
    T and X lines), so that listing and identify read only the index and a model only its own file.

    index.txt:  Z <shape>                         signature number N (N-th Z line, from 0): a shape
                                                  (64,3,7,7; empty for a 0-d tensor), dtype aside
                M <namespace>/<name>\t<json>     "rows_of": the file of an architecture with the
                                                  same lines; "same_as": the first architecture
                                                  with the same default state_dict (keys too)
                G <N>*<count> ...                 the default state_dict's signatures
                P <name>.<tag>\t<json>
    """
    import os
    import shutil
    models, comments = read_catalog(single)
    rows_of = {m[0]: m[2] for m in models if m[3] is None}
    sig_ids, groups, out = {}, {}, []
    for name, meta, lines, same, tags in models:
        ents = default_entries(rows_of[same or name], meta.get("num_classes") or 0)
        counts = {}
        for _, shape, dtype in ents:
            sid = sig_ids.setdefault(shape, len(sig_ids))  # the shape alone: torch loads (casts) a float16 checkpoint into a float32 model
            counts[sid] = counts.get(sid, 0) + 1
        fingerprint = tuple(sorted(ents))
        first = groups.setdefault(fingerprint, name)
        if first != name:
            meta["same_as"] = first
        if same:
            meta["rows_of"] = same
        out.append((name, meta, lines, same, tags, counts))
    for ns in ("timm", "torchvision"):
        shutil.rmtree(os.path.join(out_dir, ns), ignore_errors=True)
        os.makedirs(os.path.join(out_dir, ns))
    with open(os.path.join(out_dir, "index.txt"), "w") as f:
        for c in comments:
            f.write(c + "\n")
        for sig in sig_ids:
            f.write("Z " + sig + "\n")
        for name, meta, lines, same, tags, counts in out:
            f.write(f"M {name}\t{json.dumps(meta, separators=(',', ':'))}\n")
            f.write("G " + " ".join(f"{k}*{v}" for k, v in sorted(counts.items())) + "\n")
            for t in tags:
                f.write(t + "\n")
            if not same:
                with open(os.path.join(out_dir, name + ".txt"), "w") as g:
                    g.write("\n".join(lines) + "\n")
    print(f"{len(out)} architectures, {len(rows_of)} entry files, {len(sig_ids)} signatures, "
          f"{len(set(groups.values()))} distinct default state_dicts", file=sys.stderr)


def check(args):
    """Builds N random architectures the ordinary way, then with init made free, and compares."""
    import gc
    names = [x for x in architectures(args.globs)]
    random.Random(0).shuffle(names)
    builders = {"timm": build_timm, "torchvision": build_torchvision}
    normal = {}
    started = time.time()
    for ns, name in names[:args.check]:
        try:
            normal[(ns, name)] = entries(builders[ns](name))
        except Exception as e:  # noqa: BLE001
            normal[(ns, name)] = repr(e)[:100]
        gc.collect()
    t_normal = time.time() - started
    make_init_free()
    started = time.time()
    bad = 0
    for key, want in normal.items():
        try:
            got = entries(builders[key[0]](key[1]))
        except Exception as e:  # noqa: BLE001
            got = repr(e)[:100]
        if got != want:
            bad += 1
            print(f"DIFFERS {key[0]}/{key[1]}", file=sys.stderr)
    print(f"{len(normal)} architectures: {bad} differ; ordinary init {t_normal:.1f} s, free init {time.time() - started:.1f} s",
          file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump({"checked": [f"{a}/{b}" for a, b in normal], "differ": bad, "ordinary_s": round(t_normal, 1)}, f)
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("globs", nargs="*")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--relayout", metavar="FILE", help="instead: lay out an already written single-file catalog FILE into the folder OUT")
    ap.add_argument("--check", type=int, metavar="N", help="instead: build N random architectures (of the globs) both ways "
                    "and compare their state_dicts, to verify that free init changes no key, shape or dtype")
    args = ap.parse_args()
    if args.check:
        return check(args)
    if args.relayout:
        return relayout(args.relayout, args.out)
    import timm
    import torchvision
    torch.set_num_threads(1)
    replaced = make_init_free()
    print(f"init made free ({replaced} imported names replaced)", file=sys.stderr)
    signal.signal(signal.SIGALRM, _alarm)
    builders = {"timm": build_timm, "torchvision": build_torchvision}
    names = architectures(args.globs)
    pretrained = pretrained_lines({n for ns, n in names if ns == "timm"})
    started = time.time()
    seen = {}
    failed = []
    import tempfile
    single = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False).name
    with open(single, "w") as f:
        f.write(f"# Weightbench model catalog, written by scripts/make_timm_catalog.py (format: see the script)\n")
        f.write(f"# timm {timm.__version__}, torch {torch.__version__}, torchvision {torchvision.__version__}\n")
        for i, (ns, name) in enumerate(names):
            t0 = time.time()
            signal.alarm(args.timeout)
            try:
                meta, lines = describe(ns, name, builders[ns])
            except Exception as e:  # noqa: BLE001  (recorded, and the file says so)
                failed.append(f"{ns}/{name}: {type(e).__name__}: {str(e)[:200]}")
                print(f"FAILED {ns}/{name}: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            finally:
                signal.alarm(0)
            f.write(f"M {ns}/{name}\t{json.dumps(meta, separators=(',', ':'))}\n")
            body = "\n".join(lines)
            same = seen.get(body)
            if same:
                f.write(f"S {same}\n")
            else:
                seen[body] = f"{ns}/{name}"
                f.write(body + "\n")
            for p in pretrained.get(name, []) if ns == "timm" else []:
                f.write(p + "\n")
            dt = time.time() - t0
            if dt > 5 or i % 100 == 0:
                print(f"[{i + 1}/{len(names)}] {ns}/{name} {dt:.1f} s, {time.time() - started:.0f} s in all", file=sys.stderr)
        for x in failed:
            f.write(f"# not built: {x}\n")
        f.write(f"# {len(names) - len(failed)} architectures in {time.time() - started:.0f} s\n")
    print(f"{len(names) - len(failed)} architectures, {len(failed)} failed, {time.time() - started:.0f} s", file=sys.stderr)
    relayout(single, args.out)


if __name__ == "__main__":
    main()
