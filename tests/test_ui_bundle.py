"""The editor's and the review tab's ES modules joined into one js_on_load script (audiolab.ui.bundle)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audiolab.ui import bundle as bd

STATIC = Path(bd.__file__).parent / "static"
ENTRIES = {"editor/main.js": ["editor", "shared"], "review.js": ["shared"]}
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def reader(files: dict[str, str]):
    return files.get


def run_node(script: str) -> str:
    """Run ``script`` the way Gradio runs js_on_load; it prints what it wants checked."""
    src = f"new Function('element', 'props', 'trigger', 'server', {json.dumps(script)})(null, {{}}, null, null);"
    out = subprocess.run([NODE, "-e", src], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("entry", ENTRIES)
def test_bundle_holds_every_module_once_in_dependency_order(entry):
    b = bd.build(entry)
    paths = [m.path for m in b.modules]
    assert paths[-1] == entry and len(paths) == len(set(paths))
    expected = {p.relative_to(STATIC).as_posix() for d in ENTRIES[entry] for p in (STATIC / d).glob("*.js")} | {entry}
    assert set(paths) == expected  # every module of those folders is used, and nothing else
    for i, m in enumerate(b.modules):
        assert b.text.count(f"const {m.var} = (() => {{") == 1
        for target, _, _ in m.imports:
            assert target in paths[:i], f"{m.path} imports {target} before it is defined"
    # no import / export statement is left (comments and strings may still say the words)
    assert not bd._KEYWORD.search(bd.mask(b.text))
    assert b.text.rstrip().endswith(f"{bd.module_var(entry)}.mount(element, props, trigger, server);")


@needs_node
@pytest.mark.parametrize("entry", ENTRIES)
def test_node_accepts_the_script_and_every_module(entry, tmp_path):
    f = tmp_path / "bundle.js"
    f.write_text("(async function (element, props, trigger, server) {\n" + bd.script(entry) + "\n});\n")
    out = subprocess.run([NODE, "--check", str(f)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    for m in bd.build(entry).modules:  # as ES modules (static/package.json says "type": "module")
        out = subprocess.run([NODE, "--check", str(STATIC / m.path)], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, (m.path, out.stderr)


def test_script_is_built_once_per_process():
    assert bd.script("review.js") is bd.script("review.js")


def test_modules_are_small_and_say_why_they_exist():
    for p in sorted(STATIC.rglob("*.js")):
        lines = p.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("// "), p
        assert len(lines) <= 400, (p, len(lines))


@needs_node
def test_imports_and_exports_keep_their_meaning():
    files = {
        "lib/a.js": "// a\n"
                    "export const ANSWER = 42;\n"
                    "export function twice(x) { return 2 * x; }\n"
                    "export async function later() { return 'later'; }\n"
                    "export class Box { constructor(v) { this.v = v; } }\n"
                    "const hidden = 'h';\n"
                    "function local() { return hidden + '!'; }\n"
                    "export { local as shout, hidden };\n",
        "lib/b.js": "// b: the words below are text, not statements\n"
                    "import {\n  twice,\n  ANSWER as A,\n} from \"./a.js\";\n"
                    "/* import x from 'nowhere'; export default 1; */\n"
                    "const s = 'export let nope = 1', t = `import(${'x'}) ${`export * from \"y\"`}`;\n"
                    "const re = /import|export/g, q = 10 / 2 / 5;\n"
                    "export const four = twice(2) + A - A + q - 1 + (s.length && t.length && re.source.length ? 0 : 1);\n",
        "main.js": "// main\n"
                   "import { four } from './lib/b.js';\n"
                   "import { Box, shout, hidden, later } from './lib/a.js';\n"
                   "export function mount(element, props, trigger, server) {\n"
                   "  console.log(JSON.stringify([four, new Box(3).v, shout(), hidden, typeof later]));\n"
                   "}\n",
    }
    b = bd.build("main.js", reader(files))
    assert [m.path for m in b.modules] == ["lib/a.js", "lib/b.js", "main.js"]
    assert b.modules[0].exports == {"ANSWER": "ANSWER", "twice": "twice", "later": "later", "Box": "Box",
                                    "shout": "local", "hidden": "hidden"}
    assert json.loads(run_node(b.text)) == [4, 3, "h!", "h", "function"]
    # the import spanning lines keeps the line numbers of what follows it
    b_src, b_out = files["lib/b.js"], b.modules[1].body
    assert b_out.count("\n") == b_src.count("\n")


BAD = {
    "default export": ("export default function f() {}", "unsupported export"),
    "default import": ("import a from './a.js';", "unsupported import"),
    "namespace import": ("import * as a from './a.js';", "unsupported import"),
    "side-effect import": ("import './a.js';", "unsupported import"),
    "re-export": ("export { x } from './a.js';", "unsupported export"),
    "star re-export": ("export * from './a.js';", "unsupported export"),
    "export let": ("export let n = 1;", "unsupported export"),
    "export var": ("export var n = 1;", "unsupported export"),
    "two names in one export const": ("export const a = 1, b = [2, 3];", "one name per statement"),
    "export const without ;": ("export const a = 1\nfunction g() {}", "must end with"),
    "dynamic import": ("const m = import('./a.js');", "unsupported import"),
    "dynamic import in a function": ("function f() { return import('./a.js'); }", "`import` inside a block"),
    "import.meta": ("const u = import.meta.url;", "unsupported import"),
    "export in a block": ("if (true) {\nexport function g() {}\n}", "inside a block"),
    "package name": ("import { x } from 'lodash';", "only relative paths"),
    "no .js": ("import { x } from './a';", "only relative paths"),
    "outside the static folder": ("import { x } from '../../etc/a.js';", "leaves the static folder"),
    "missing module": ("import { x } from './nope.js';", "does not exist"),
    "missing name": ("import { nothere } from './a.js';", "does not export nothere"),
    "bad name list": ("import { x y } from './a.js';", "cannot read"),
    "exported twice": ("export function g() {}\nexport { g };", "exported twice"),
}


@pytest.mark.parametrize("case", BAD)
def test_unsupported_module_syntax_is_an_error(case):
    code, message = BAD[case]
    files = {"a.js": "export const x = 1;\n", "main.js": code + "\nexport function mount() {}\n"}
    with pytest.raises(bd.BundleError, match=message) as err:
        bd.build("main.js", reader(files))
    assert "main.js:" in str(err.value) or case == "missing module"


def test_cycles_and_entries_without_mount_are_errors():
    cyc = {"main.js": "import { b } from './b.js';\nexport function mount() {}\n",
           "b.js": "import { c } from './c.js';\nexport const b = 1;\n",
           "c.js": "import { b } from './b.js';\nexport const c = 2;\n"}
    with pytest.raises(bd.BundleError, match=r"import cycle: b\.js -> c\.js -> b\.js"):
        bd.build("main.js", reader(cyc))
    with pytest.raises(bd.BundleError, match="must export mount"):
        bd.build("main.js", reader({"main.js": "export function start() {}\n"}))
    with pytest.raises(bd.BundleError, match="no module"):
        bd.build("nope.js", reader({}))


def test_mask_blanks_text_but_keeps_offsets():
    src = "a = 'x//y'; // c\nb = `t ${ {k: \"}\"}.k } u` / 2; r = /[/]\\//g.test(s); /* m\n */ d"
    m = bd.mask(src)
    assert len(m) == len(src) and m.count("\n") == src.count("\n")
    assert "x" not in m and "c" not in m.split("\n")[0][12:] and " u" not in m
    assert "{k:" in m and ".test(s)" in m and m.endswith(" d")
