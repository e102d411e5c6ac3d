"""The persistent cache: generated derivatives kept on disk as source text, for new processes.

Off by default.  ``TANGENT_LIKE_CACHE_DIR=/path`` (read when the first derivative is
compiled) or ``tl.set_cache_dir(path)`` turns it on; ``tl.set_cache_dir(None)`` turns it
off (`pipeline.cache_dir`).  This module is imported only when it is on.

What is stored.  Per derivative, two files named by its key: ``KEY.py``, the generated
module (the text ``.source`` shows), and ``KEY.json``, what loading it needs besides the
text: the names of the entry and the sweeps, the root's parameters, the groups of functions
compiled together (their names, where their texts are in the module, the names they read,
the user lines behind their lines), the user functions they come from, and the globals they
were specialized on.  Never a pickle: a hit compiles the text with `loader.load_groups`,
as fresh code is, so the functions read the user's live globals and closure cells.

The key.  A SHA-256 of: the format of the files, tangent_like's version and the state of its
files (sizes and modification times), Python's and NumPy's major.minor, the fingerprint of
the function (module, qualified name, file, first line, a hash of its source text, the kinds
of its closure values and of its defaults), the kinds of the arguments, `wrt` and the
options.  A function inside a kind (passed as an argument, captured by the closure) is
fingerprinted the same way.  The JSON file also lists every other user function the
derivative includes, found again by module and qualified name, with its fingerprint, and
every global and every attribute of the user's modules (``config.SCALE``) read while
transforming, with the fingerprint of its value (functions as above, classes by the source
of their bases, the user's modules by the text of their files, other values by kind), and
the names read that no global held (builtins, which a global defined later would shadow):
all are compared with the live ones before the stored code is used.  A changed source, a moved line, a rebound
helper: a miss, and the files are written again.

Bypassed (compiled as usual, kept in memory only): a request whose parts cannot be
fingerprinted (a function without source, generated code, a bound method, a derivative or
another object in a global or a closure, a user function that no import path reaches), a
process that registered its own rules (``tl.defrule``, ``tl.nondifferentiable``,
``tl.helper``), code that reads the user's names through aliases (normalize/hygiene.py), and
requests that dump their stages.

Safety.  The directory is created with mode 0o700; files are written with mode 0o600 under
a temporary name and moved into place with `os.replace` (two processes writing at once leave
whole files).  A directory or file that another user owns, or that others may write, is not
read (nor such a directory written: a warning says so).  The key is stored in both files and checked; the module's first line holds the hash
of the JSON text, and the JSON the hash of the module's text.  A file that cannot be read or
parsed, or whose parts disagree, is ignored (and written again).
"""
import dataclasses
import hashlib
import inspect
import json
import os
import sys
import threading
import types
import warnings

import numpy as np

from .analysis import lattice
from .frontend.parse import source_lines
from .loader import Group, load_groups
from .version import __version__

FORMAT = 2
_PACKAGE = []       # the state of tangent_like's files, computed once


class _Unkeyable(Exception):
    """A part of the request that the key cannot describe: the disk is bypassed."""


def _sha(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _package_state(since):
    """tangent_like's version and its files' sizes and modification times: code generated
    by another state of the package is never used.  A file changed after `since` (when this
    process imported tangent_like, in ns) is not the code running here: no key at all."""
    if not _PACKAGE:
        files, todo = [], [os.path.dirname(os.path.abspath(__file__))]
        while todo:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        files.append((entry.path, st.st_size, st.st_mtime_ns))
                    elif entry.is_dir() and entry.name != "__pycache__":
                        todo.append(entry.path)
        numpy_version = ".".join(np.__version__.split(".")[:2])
        changed = any(mtime > since for _, _, mtime in files)
        _PACKAGE.append(None if changed else [__version__, list(sys.version_info[:2]),
                                              numpy_version, _sha(json.dumps(sorted(files)))])
    if _PACKAGE[0] is None:
        raise _Unkeyable("tangent_like changed since it was imported")
    return _PACKAGE[0]


# ------------------------------------------------------------------------ fingerprints

def _named(obj):
    """A library object (np.sin, math.exp, a NumPy type) by the path that imports it; the
    path must give this very object back."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise _Unkeyable(obj)
    if resolve(module, qualname) is not obj:
        if module == "numpy" or module.startswith("numpy."):     # (ufuncs: np.NAME)
            if getattr(np, qualname, None) is obj:
                return ["named", "numpy", qualname]
        raise _Unkeyable(obj)
    return ["named", module, qualname]


_LIBRARIES = ("numpy", "scipy", "tangent_like")


def _module(module):
    """A module by its name; the user's own (not NumPy's, SciPy's, the standard library's
    or an installed package's) with the text of its files and of its loaded submodules too:
    the code reads the kinds of its attributes (``config.SCALE``)."""
    name = module.__name__
    top = name.split(".")[0]
    path = getattr(module, "__file__", None)
    if top in _LIBRARIES or top in getattr(sys, "stdlib_module_names", ()) or not path \
            or any(part in ("site-packages", "dist-packages")
                   for part in os.path.normpath(path).split(os.sep)):
        return ["module", name]
    texts = []
    for sub in sorted(m for m in list(sys.modules) if m == name or m.startswith(name + ".")):
        file = getattr(sys.modules[sub], "__file__", None)
        if file:
            try:
                with open(file, "rb") as f:
                    texts.append([sub, hashlib.sha256(f.read()).hexdigest()])
            except OSError:
                raise _Unkeyable(module) from None
    return ["module", name, texts]


def resolve(module, qualname):
    """The object `qualname` of an imported `module` (None when there is none): a method
    as its function, a property as its getter.  Nothing is imported."""
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        if obj is None or part == "<locals>":
            return None
        if isinstance(obj, type):
            obj = obj.__dict__.get(part)
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
            elif isinstance(obj, property):
                obj = obj.fget
        else:
            obj = getattr(obj, part, None)
    return obj


class _Printer:
    """Fingerprints of kinds and values as JSON data; the functions met on the way, in
    order, are `anchors` (a stored derivative names a function of its request by its index
    here)."""

    def __init__(self):
        self.anchors = []
        self._active = {}       # id of a function being printed -> its anchor index

    def kind(self, kind):
        if kind is None or isinstance(kind, (bool, str)):
            return kind
        if isinstance(kind, int):
            return ["int", kind]
        if isinstance(kind, float):
            return ["float", repr(kind)]
        if isinstance(kind, (tuple, list)):
            return [self.kind(k) for k in kind]
        return self.value(kind)

    def value(self, value):
        """A value as the code generated for it depends on it: a function by its source, a
        class by its bases' sources, a module by its name, a library object by its path."""
        if isinstance(value, types.ModuleType):
            return _module(value)
        if isinstance(value, types.FunctionType):
            return self.function(value)
        if isinstance(value, type):
            return self.cls(value)
        if isinstance(value, types.MethodType):
            raise _Unkeyable(value)
        if callable(value):
            return _named(value)
        return ["kind", self.kind(lattice.of_value(value))]

    def function(self, f):
        if id(f) in self._active:           # recursion through a closure
            return ["recursive", self._active[id(f)]]
        code = f.__code__
        if code.co_filename.startswith("<tangent_like generated"):
            raise _Unkeyable(f)
        try:
            lines, first = source_lines(code)
        except (OSError, TypeError):
            raise _Unkeyable(f) from None
        self._active[id(f)] = len(self.anchors)
        self.anchors.append(f)
        try:
            closure = [self.kind(k) for k in _closure_kinds(f)]
            defaults = [self.kind(lattice.of_value(v)) for v in f.__defaults__ or ()]
            kwdefaults = [[k, self.kind(lattice.of_value(v))]
                          for k, v in sorted((f.__kwdefaults__ or {}).items())]
        finally:
            del self._active[id(f)]
        return ["function", f.__module__, f.__qualname__, code.co_filename, first,
                _sha("".join(lines)), closure, defaults, kwdefaults]

    def cls(self, cls):
        try:
            return _named(cls) if inspect.getsourcefile(cls) is None else self._user_class(cls)
        except TypeError:       # a built-in class
            return _named(cls)

    def _user_class(self, cls):
        parts = []
        for base in cls.__mro__:
            try:
                source = inspect.getsource(base)
            except (OSError, TypeError):
                parts.append(_named(base))
                continue
            parts.append([base.__module__, base.__qualname__, _sha(source)])
        return ["class", parts]


def _closure_kinds(f):
    out = []
    for cell in f.__closure__ or ():
        try:
            out.append(lattice.of_value(cell.cell_contents))
        except ValueError:
            out.append(None)
    return out


def request(directory, func, wrt, kinds, options, since):
    """The persistent cache's side of one request (`Request`) in `directory`, or None when
    the request cannot be keyed (`since`: when tangent_like was imported, see
    `_package_state`)."""
    if not isinstance(func, types.FunctionType):
        return None
    printer = _Printer()
    try:
        described = [FORMAT, _package_state(since), printer.function(func),
                     list(wrt), [[p, printer.kind(k)] for p, k in sorted(kinds.items())],
                     [[f.name, getattr(options, f.name)] for f in dataclasses.fields(options)]]
        key = _sha(json.dumps(described, sort_keys=True))
    except (_Unkeyable, ValueError, TypeError, AttributeError, RecursionError):
        return None
    return Request(directory, key, func, printer.anchors)


@dataclasses.dataclass
class Stored:
    """A derivative loaded from the disk: what `pipeline.Compiled` is made of."""
    functions: dict
    source: str
    entry: str
    root: object
    cotangent: str
    deps: list
    absent: list        # (globals, [names no global held when the code was made])
    units: list         # (user function, mode, [generated function taking its defaults])


class StoredRoot:
    """The root unit, as much of it as a loaded derivative needs (its names, its
    parameters, its tangent parameters)."""

    def __init__(self, data):
        self.mode = data["mode"]
        self.params = list(data["params"])
        self.short_name = data["short_name"]
        self.tangent_params = dict(data.get("tangent_params") or {})
        for name in ("primal_name", "adjoint_name", "forward_name"):
            if name in data:
                setattr(self, name, data[name])


class Request:
    """One derivative request's files: `load` the stored code (None on a miss), `store`
    code just generated."""

    def __init__(self, directory, key, func, anchors):
        self.directory = directory
        self.key = key
        self.func = func
        self.anchors = anchors
        self.path = os.path.join(directory, key)

    # -------------------------------------------------------------------- reading
    def load(self, title):
        """The stored derivative, compiled and loaded (`Stored`), or None."""
        try:
            meta, source = self._read()
            functions = self._functions(meta)
            if functions is None:
                return None
            found = self._globals(meta, functions)
            if found is None:
                return None
            deps, absent = found
            groups = []
            for g in meta["groups"]:
                users = [functions[i] for i in g["functions"]]
                closure = {}
                for f in users:
                    closure.update(zip(f.__code__.co_freevars, f.__closure__ or ()))
                groups.append(Group(users[0].__globals__, closure, list(g["names"]),
                                    [source[a:b] for a, b in g["spans"]], set(g["used"]),
                                    {line: (file, at) for line, file, at in g["origins"]}))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        try:
            made = load_groups(groups, title)
            units = [(functions[i], mode, list(names)) for i, mode, names in meta["units"]]
            stored = Stored(made, source, meta["entry"], StoredRoot(meta["root"]),
                            meta["cotangent"], deps, absent, units)
            for name in [stored.entry] + [n for _, _, names in units for n in names]:
                if name is not None and name not in made:
                    raise KeyError(name)
        except Exception:       # (checked entries load; any doubt is a miss all the same)
            return None
        return stored

    def _read(self):
        """The entry's metadata and module text, each checked against the other: the
        module's first line holds the key and the hash of the JSON text, the JSON the key
        and the hash of the module."""
        if not _private(self.directory, directory=True):
            raise OSError("not a private directory")
        with open(self.path + ".json", encoding="utf-8") as f:
            if not _private(f.fileno()):
                raise OSError("not a private file")
            meta_text = f.read()
        with open(self.path + ".py", encoding="utf-8", newline="") as f:
            if not _private(f.fileno()):
                raise OSError("not a private file")
            text = f.read()
        first, _, source = text.partition("\n")
        if first != f"# tangent_like cache key {self.key} {_sha(meta_text)}":
            raise ValueError("a stale or damaged entry")
        meta = json.loads(meta_text)
        if meta.get("format") != FORMAT or meta.get("key") != self.key \
                or meta.get("source_sha256") != _sha(source):
            raise ValueError("a stale or damaged entry")
        return meta, source

    def _functions(self, meta):
        """The user functions the stored code comes from, found again and compared (None
        when one is missing or differs)."""
        out = []
        for ref in meta["functions"]:
            if ref[0] == "anchor":
                out.append(self.anchors[ref[1]])
                continue
            f = resolve(ref[1], ref[2])
            if not isinstance(f, types.FunctionType):
                return None
            try:
                if _Printer().function(f) != ref[3]:
                    return None
            except _Unkeyable:
                return None
            out.append(f)
        return out

    def _globals(self, meta, functions):
        """The globals the code was specialized on, compared with the live ones: the
        dependencies of `Compiled`, and the names it read as no global's (None when one
        differs)."""
        deps, absent = [], []
        for i, name, printed in meta["globals"]:
            namespace = functions[i].__globals__
            if printed is None:         # the code was made for a name no global held
                if name in namespace:
                    return None
                absent.append((namespace, [name]))
                continue
            if name not in namespace:
                return None
            value = namespace[name]
            if not _same(value, printed):
                return None
            if isinstance(value, types.ModuleType):
                continue
            deps.append((namespace, name, value, None if callable(value)
                         else lattice.of_value(value)))
        for module, name, printed in meta["attributes"]:
            namespace = vars(sys.modules[module]) if module in sys.modules else {}
            if name not in namespace:
                return None
            value = namespace[name]
            if not _same(value, printed):
                return None
            if not isinstance(value, types.ModuleType):
                deps.append((namespace, name, value, None if callable(value)
                             else lattice.of_value(value)))
        return deps, absent

    # -------------------------------------------------------------------- writing
    def store(self, compiled, program, groups):
        """Write the derivative just generated (nothing when a part of it cannot be
        described, or the directory cannot be written)."""
        try:
            _make_private_directory(self.directory)
            if not _private(self.directory, directory=True):
                _warn_once(self.directory)
                return False
        except OSError:
            return False
        try:
            meta = self._describe(compiled, program, groups)
        except (_Unkeyable, ValueError, TypeError, RecursionError):
            return False
        meta["source_sha256"] = _sha(compiled.source)
        meta_text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
        try:
            _write(self.path + ".py", f"# tangent_like cache key {self.key} {_sha(meta_text)}\n"
                   + compiled.source)
            _write(self.path + ".json", meta_text)
        except OSError:
            return False
        return True

    # ------------------------------------------------------- the numba backend's parts
    def store_extra(self, part, data):
        """Keep the JSON `data` beside the entry, as its `part` (``KEY.part.json``)."""
        try:
            _make_private_directory(self.directory)
            if not _private(self.directory, directory=True):
                _warn_once(self.directory)
                return False
            _write(f"{self.path}.{part}.json",
                   json.dumps({"format": FORMAT, "key": self.key, "data": data}) + "\n")
        except (OSError, TypeError, ValueError):
            return False
        return True

    def load_extra(self, part):
        """The data `store_extra` kept as `part` for this very key, or None."""
        try:
            if not _private(self.directory, directory=True):
                return None
            with open(f"{self.path}.{part}.json", encoding="utf-8") as f:
                if not _private(f.fileno()):
                    return None
                stored = json.loads(f.read())
            if stored.get("format") != FORMAT or stored.get("key") != self.key:
                return None
            return stored["data"]
        except (OSError, ValueError, KeyError, AttributeError):
            return None

    def write_module(self, name, text):
        """The path of the file `name` (under the directory) holding `text`, written when
        it is missing or holds something else; None when it cannot be written or read
        safely.  Numba keeps the machine code of a module's functions in its
        ``__pycache__``, loaded by pickle: only a private directory is used."""
        path = os.path.join(self.directory, name)
        folder = os.path.dirname(path)
        try:
            _make_private_directory(self.directory)
            _make_private_directory(folder)
            if not (_private(self.directory, directory=True)
                    and _private(folder, directory=True)):
                _warn_once(self.directory)
                return None
            cache = os.path.join(folder, "__pycache__")
            if os.path.isdir(cache) and not _private(cache, directory=True):
                return None
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    if _private(f.fileno()) and f.read() == text:
                        return path
            except FileNotFoundError:
                pass
            _write(path, text)
        except OSError:
            return None
        return path

    @staticmethod
    def fingerprint(value):
        """`value` as the key describes it (JSON data: a function by its source...), or
        None when it cannot be described."""
        try:
            return _Printer().value(value)
        except (_Unkeyable, ValueError, TypeError, AttributeError, RecursionError):
            return None

    def _describe(self, compiled, program, groups):
        if getattr(program, "_hygiene", {}).get("aliases"):
            raise _Unkeyable("names read through aliases")
        refs, index = [], {}        # the user functions, as stored; id -> their index
        by_namespace = {}

        def ref(f):
            if id(f) not in index:
                k = next((k for k, a in enumerate(self.anchors) if a is f), None)
                if k is not None:
                    refs.append(["anchor", k])
                elif resolve(f.__module__, f.__qualname__) is f:
                    refs.append(["module", f.__module__, f.__qualname__,
                                 _Printer().function(f)])
                else:
                    raise _Unkeyable(f)
                index[id(f)] = len(refs) - 1
            return index[id(f)]

        for key, fam in program.families.items():
            if isinstance(key, tuple):      # lifted: the namespace of the function around it
                continue
            f = fam.parsed.func
            if not isinstance(f, types.FunctionType) or f is not key:
                raise _Unkeyable(key)
            by_namespace[id(fam.parsed.namespace)] = ref(f)
        deps, attributes = [], []
        for key, fam in program.families.items():
            if isinstance(key, tuple):
                continue
            ns = fam.parsed.namespace
            if getattr(ns, "aliased_globals", None):
                raise _Unkeyable("aliased globals")
            for name, value in sorted(ns.seen.items()):
                deps.append([index[id(key)], name, _Printer().value(value)])
            for name in sorted(ns.absent - set(ns.seen)):
                deps.append([index[id(key)], name, None])     # (no such global)
            for (module, name), (_, value) in sorted(getattr(ns, "attributes", {}).items()):
                attributes.append([module, name, _Printer().value(value)])
        stored_groups = []
        for group, spans in zip(groups, _offsets(compiled.source, groups)):
            users = [by_namespace[id(ns)] for ns in group.namespaces]
            closure = {}
            for i in users:
                f = program_function(refs[i], self.anchors)
                closure.update(zip(f.__code__.co_freevars, f.__closure__ or ()))
            first = program_function(refs[users[0]], self.anchors)
            if first.__globals__ is not group.globals or closure.keys() != group.closure.keys() \
                    or any(closure[n] is not c for n, c in group.closure.items()):
                raise _Unkeyable("a closure the functions do not give back")
            stored_groups.append({
                "functions": users, "names": group.names,
                "spans": spans, "used": sorted(group.used),
                "origins": [[line, file, at] for line, (file, at) in sorted(group.origins.items())
                            if isinstance(file, str) and not file.startswith("<tangent_like")]})
        units = []
        for unit in program.order:
            f = getattr(unit.parsed, "func", None)
            if f is None:
                continue
            names = [unit.primal_name] if unit.mode == "reverse" else [unit.forward_name]
            units.append([ref(f), unit.mode, names])
        root = program.order[0]
        root_data = {"mode": root.mode, "params": list(root.params),
                     "short_name": root.short_name,
                     "tangent_params": dict(getattr(root, "tangent_params", {}) or {})}
        for name in ("primal_name", "adjoint_name", "forward_name"):
            if hasattr(root, name):
                root_data[name] = getattr(root, name)
        return {"format": FORMAT, "key": self.key, "functions": refs, "globals": deps,
                "attributes": attributes,
                "groups": stored_groups, "units": units, "root": root_data,
                "entry": getattr(getattr(compiled, "entry", None), "__name__", None),
                "cotangent": compiled.cotangent}


def program_function(ref, anchors):
    """The function a stored reference names, in this process."""
    return anchors[ref[1]] if ref[0] == "anchor" else resolve(ref[1], ref[2])


def _offsets(source, groups):
    """Where each text of `groups` is in `source` (the module `loader.source_of` wrote:
    its definitions apart by two blank lines): a list of [start, end] per group."""
    out = []
    for group in groups:
        spans = []
        for text in group.texts:
            at = source.find("\n\n\n" + text + "\n")
            if at < 0 or source.find("\n\n\n" + text + "\n", at + 1) >= 0:
                raise ValueError("a generated function not found once in the module")
            spans.append([at + 3, at + 3 + len(text)])
        out.append(spans)
    return out


def _private(target, directory=False):
    """Is `target` (a path, or a file descriptor) owned by this user and writable by no
    one else?"""
    st = os.stat(target)
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


_WARNED = set()


def _warn_once(directory):
    if directory not in _WARNED:
        _WARNED.add(directory)
        warnings.warn(f"the persistent cache of tangent_like does not use {directory}: other "
                      "users may write there (make it yours, mode 0o700, or name a new "
                      "directory)", stacklevel=2)


def _make_private_directory(path):
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)


def _write(path, text):
    """Write `text` to `path` whole: a private temporary file of this process and thread,
    then `os.replace`."""
    tmp = f"{os.path.dirname(path)}/.{os.path.basename(path)}.{os.getpid()}." \
          f"{threading.get_ident()}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _same(value, printed):
    """Does `value` print as `printed` did when the code was stored?"""
    try:
        return _Printer().value(value) == printed
    except _Unkeyable:
        return False
