"""The persistent cache (tangent_like/persistent.py): generated source on disk, found again
by a new process.

* a new process finds the code and does not transform again (``pipeline._run`` refuses
  to run there), with the same gradient;
* a changed source of the function, of a callee or of a global it was specialized on is a
  miss, never the old code;
* damaged, foreign or stale files are ignored and written again; the directory is
  private (0o700), files 0o600;
* two processes writing at once leave whole files;
* off by default; what cannot be keyed (no source, user rules) bypasses the disk.

Each scenario runs real processes on a module written to ``tmp_path``.
"""
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
import types

import numpy as np
import pytest

import tangent_like as tl
from tangent_like import persistent, pipeline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = '''
import numpy as np

SCALE = 2.0


def helper(x):
    return np.sin(x) * SCALE


def loss(x, k=3.0):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + helper(x[i]) ** 2 * k
    return total


def make(c):
    def inner(x):
        return np.sum(np.cos(c * x) * x)
    return inner
'''

DRIVER = '''
import json, sys
import numpy as np
import tangent_like as tl
from tangent_like import pipeline
import model

if "--no-transform" in sys.argv:
    def refuse(*args, **kwargs):
        raise AssertionError("transformed again")
    pipeline._run = refuse
x = np.array([0.3, -1.2, 2.0])
out = {"loss": tl.grad(model.loss)(x).tolist(),
       "inner": tl.grad(model.make(0.7))(x).tolist()}
if "--more" in sys.argv:        # another closure of the same code, forward mode, Hessians
    out["inner2"] = tl.grad(model.make(1.3))(x).tolist()
    out["jvp"] = [float(v) for v in tl.jvp(model.loss, (x,), (np.ones(3),))]
    out["hessian"] = tl.hessian(model.loss)(x).tolist()
info = tl.cache_info()
out["disk_hits"], out["disk_misses"] = info.disk_hits, info.disk_misses
print(json.dumps(out))
'''


@pytest.fixture
def project(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "driver.py").write_text(DRIVER)
    return tmp_path


def run(project, *args, cache="cache"):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project), REPO, env.get("PYTHONPATH", "")])
    env.pop("TANGENT_LIKE_CACHE_DIR", None)
    if cache is not None:
        env["TANGENT_LIKE_CACHE_DIR"] = str(project / cache)
    r = subprocess.run([sys.executable, str(project / "driver.py"), *args], cwd=project,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def entries(project, cache="cache"):
    folder = project / cache
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) \
        if folder.exists() else []


def test_a_new_process_loads_the_stored_code_without_transforming(project):
    first = run(project)
    assert (first["disk_hits"], first["disk_misses"]) == (0, 2)
    assert len(entries(project)) == 4              # a .py and a .json per derivative
    second = run(project, "--no-transform")
    assert (second["disk_hits"], second["disk_misses"]) == (2, 0)
    assert second["loss"] == first["loss"] and second["inner"] == first["inner"]


def test_the_stored_code_reads_live_globals_and_defaults(project, monkeypatch):
    run(project)
    sys.path.insert(0, str(project))
    monkeypatch.setattr(pipeline, "_DISK", dict(pipeline._DISK, user_rules=False))
    try:
        import model
        tl.clear_cache()
        tl.set_cache_dir(project / "cache")
        x = np.array([0.3, -1.2, 2.0])
        g = tl.grad(model.loss)(x)
        assert tl.cache_info().disk_hits == 1
        np.testing.assert_allclose(g, 3.0 * 2 * 4.0 * np.sin(x) * np.cos(x))
        monkeypatch.setattr(model, "SCALE", 3.0)     # the same kind: the same code, live
        np.testing.assert_allclose(tl.grad(model.loss)(x), 3.0 * 2 * 9.0 * np.sin(x) * np.cos(x))
        np.testing.assert_allclose(tl.grad(model.loss)(x, 1.0), 2 * 9.0 * np.sin(x) * np.cos(x))
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("model", None)
        tl.clear_cache()


@pytest.mark.parametrize("old, new", [
    ("total = total + helper(x[i]) ** 2 * k", "total = total + helper(x[i]) ** 3 * k"),  # f
    ("return np.sin(x) * SCALE", "return np.cos(x) * SCALE"),                            # callee
    ("SCALE = 2.0", "SCALE = 2"),                    # a global of another kind
    ("\nSCALE = 2.0", "\n\nSCALE = 2.0"),            # lines moved: the comments quote them
])
def test_a_changed_source_misses(project, old, new):
    first = run(project)
    (project / "model.py").write_text(MODEL.replace(old, new))
    again = run(project)
    assert again["disk_misses"] >= 1
    if "cos" in new or "** 3" in new:
        assert again["loss"] != first["loss"]
    third = run(project, "--no-transform")          # written again: found next time
    assert third["disk_hits"] == 2 and third["loss"] == again["loss"]


def test_damaged_and_stale_files_are_ignored_and_written_again(project):
    first = run(project)
    files = entries(project)
    for path in files:
        if path.suffix == ".json":
            path.write_text("{not json")
    assert run(project)["disk_misses"] == 2
    assert run(project, "--no-transform")["disk_hits"] == 2
    for path in entries(project):
        if path.suffix == ".py":            # the text no longer matches its hash
            path.write_text(path.read_text().replace("adjoint", "adjoint_"))
    again = run(project)
    assert again["disk_misses"] == 2 and again["loss"] == first["loss"]
    for path in entries(project):
        if path.suffix == ".json":          # the key of another entry
            meta = json.loads(path.read_text())
            meta["key"] = "0" * 64
            path.write_text(json.dumps(meta))
    assert run(project)["disk_misses"] == 2
    assert run(project, "--no-transform")["disk_hits"] == 2
    for path in entries(project):
        if path.suffix == ".json":          # valid JSON, other parameters
            meta = json.loads(path.read_text())
            meta["root"]["params"] = meta["root"]["params"][::-1] + ["y"]
            path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    again = run(project)
    assert again["disk_misses"] == 2 and again["loss"] == first["loss"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_the_directory_and_files_are_private(project):
    run(project, cache="deep/cache")
    folder = project / "deep" / "cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in entries(project, "deep/cache"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(folder, 0o777)                 # others may write: not read, nor written
    try:
        assert run(project, cache="deep/cache")["disk_hits"] == 0
        with pytest.warns(UserWarning, match="other users may write"):
            assert not persistent.Request(str(folder), "0" * 64, None, []).store(
                types.SimpleNamespace(source="", cotangent=None),
                types.SimpleNamespace(families={}, order=[]), [])
    finally:
        os.chmod(folder, 0o700)
    assert run(project, cache="deep/cache")["disk_hits"] == 2
    for path in entries(project, "deep/cache"):
        os.chmod(path, 0o666)
    assert run(project, cache="deep/cache")["disk_hits"] == 0


def test_two_processes_writing_at_once(project):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project), REPO, env.get("PYTHONPATH", "")])
    env["TANGENT_LIKE_CACHE_DIR"] = str(project / "cache")
    procs = [subprocess.Popen([sys.executable, str(project / "driver.py")], cwd=project,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert all(o["loss"] == outs[0]["loss"] for o in outs)
    assert not [p for p in (project / "cache").iterdir() if p.name.startswith(".")]
    after = run(project, "--no-transform")
    assert after["disk_hits"] == 2 and after["loss"] == outs[0]["loss"]


def test_off_by_default(project):
    out = run(project, cache=None)
    assert (out["disk_hits"], out["disk_misses"]) == (0, 0)
    assert not (project / "cache").exists()


def test_off_again_with_set_cache_dir_none(project, monkeypatch):
    monkeypatch.setattr(pipeline, "_DISK", dict(pipeline._DISK, user_rules=False))
    tl.set_cache_dir(project / "cache")
    assert pipeline.cache_dir() == str(project / "cache")
    tl.set_cache_dir(None)
    assert pipeline.cache_dir() is None


def test_what_cannot_be_keyed_bypasses_the_disk(project, monkeypatch):
    monkeypatch.setattr(pipeline, "_DISK", dict(pipeline._DISK, user_rules=False))
    tl.set_cache_dir(project / "cache")
    namespace = {"np": np}
    exec(compile("def f(x):\n    return np.sum(x * x)\n", "<no source>", "exec"), namespace)
    assert persistent.request(str(project / "cache"), namespace["f"], ("x",),
                              {"x": ("array", 1)}, pipeline.Options(),
                              time.time_ns()) is None  # no source
    src = project / "with_partial.py"
    src.write_text(textwrap.dedent('''
        import functools
        import numpy as np
        scaled = functools.partial(np.multiply, 2.0)
        def g(x):
            return np.sum(scaled(x))
    '''))
    sys.path.insert(0, str(project))
    try:
        import with_partial
        request = persistent.request(str(project / "cache"), with_partial.g, ("x",),
                                     {"x": ("array", 1)}, pipeline.Options(), time.time_ns())
        assert request is not None      # keyed by its source; what it reads is checked
        tl.clear_cache()
        np.testing.assert_allclose(tl.grad(with_partial.g)(np.ones(2)), [2.0, 2.0])
        assert tl.cache_info().disk_hits == 0
        assert entries(project) == []   # a partial object as a global: not stored
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("with_partial", None)
        tl.clear_cache()


def test_user_rules_turn_the_disk_off_for_the_process(monkeypatch):
    monkeypatch.setattr(pipeline, "_DISK", dict(pipeline._DISK, user_rules=False))
    tl.set_cache_dir("/nonexistent/never/written")
    pipeline.note_user_rules()
    assert pipeline._disk_request(test_off_by_default, ("project",), {"project": "any"},
                                  pipeline.Options()) is None


def test_a_new_global_shadowing_a_builtin_misses(project):
    """The code was made for `range` the builtin: a global `range` defined later (after
    the functions, which keep their text and lines) is a miss, never the old code."""
    first = run(project)
    with open(project / "model.py", "a") as f:
        f.write("\n\ndef range(n):\n    return [0]\n")
    again = run(project)
    assert again["disk_hits"] == 1          # `inner` does not read `range`
    assert again["loss"][0] == first["loss"][0] and again["loss"][1:] == [0.0, 0.0]


def test_a_changed_module_of_the_user_misses(project):
    """`config.SCALE`, an attribute of the user's module: its kind was part of the code."""
    (project / "config.py").write_text("SCALE = 2.0\n")
    (project / "model.py").write_text(MODEL.replace("import numpy as np\n",
                                                    "import numpy as np\nimport config\n")
                                      .replace("np.sin(x) * SCALE", "np.sin(x) * config.SCALE"))
    first = run(project)
    assert run(project, "--no-transform")["disk_hits"] == 2
    (project / "config.py").write_text("SCALE = 3.0\n")
    again = run(project)
    assert again["disk_misses"] == 1 and again["loss"] != first["loss"]


def test_closures_forward_mode_and_hessians_from_the_disk(project):
    first = run(project, "--more")
    second = run(project, "--more")
    assert second["disk_hits"] >= 4 and second["disk_misses"] == 0
    for name in ("loss", "inner", "inner2", "jvp", "hessian"):
        assert second[name] == first[name], name
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(second["inner2"], np.cos(1.3 * x) - 1.3 * x * np.sin(1.3 * x))


def test_an_attribute_of_the_users_module_set_at_run_time(project):
    """`config.SCALE` set by the program before the first call, not in the file: the code
    stored for a float is not used for an int (another kind), and the same kind is live."""
    (project / "config.py").write_text("SCALE = 2.0\n")
    (project / "model.py").write_text(MODEL.replace("import numpy as np\n",
                                                    "import numpy as np\nimport config\n")
                                      .replace("np.sin(x) * SCALE", "np.sin(x) * config.SCALE"))
    run(project)
    driver = (project / "driver.py").read_text()
    x = np.array([0.3, -1.2, 2.0])
    for value, misses in (("3", 1), ("3", 0), ("5.0", 1), ("4.0", 0)):
        (project / "driver.py").write_text(driver.replace(
            "import model\n", f"import model\nmodel.config.SCALE = {value}\n"))
        again = run(project)
        assert again["disk_misses"] == misses, value
        scale = float(value)
        np.testing.assert_allclose(again["loss"], 3.0 * 2 * scale ** 2 * np.sin(x) * np.cos(x))
