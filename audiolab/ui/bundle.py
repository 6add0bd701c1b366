"""The browser code of the editor and the review tab as one script for gr.HTML's ``js_on_load``.

The code under ``ui/static/`` is written as ES modules (the node unit tests in ``tests/js``
import them as they are). Gradio runs ``js_on_load`` as the body of a plain function, so
:func:`script` joins an entry module and every module it imports, dependencies first, into one
script, with no build step and no tool beyond Python. Each module keeps its own scope::

    const __m_editor_store = (() => {
      ...the module's code, without its import statements and export keywords...
      return { createStore, newer };
    })();

an import ``import { a, b as c } from "./x.js";`` becomes ``const { a, b: c } = __m_x;``, and the
script ends by calling the entry module's ``mount(element, props, trigger, server)``.

Only this subset of module syntax is understood; anything else raises :class:`BundleError`
naming the file and line, so an edit cannot silently produce a broken script:

* ``import { a, b as c } from "./rel/path.js";`` (named imports of a relative ``.js`` path inside
  ``ui/static``; the list may span lines; the ``;`` is required);
* ``export function f``, ``export async function f``, ``export function* f``, ``export class C``,
  ``export const x = ...`` (one name per ``const``);
* ``export { a, b as c };``.

Not supported: default and namespace imports or exports, ``export ... from``, ``export let`` /
``export var`` (a bundled module cannot hand out a live binding), imports for side effects only,
``import()``, ``import.meta``, package names, import cycles, and ``import`` / ``export`` anywhere
but a module's top level. Comments, strings, template literals and regular expressions are
skipped when looking for these keywords.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable

Reader = Callable[[str], "str | None"]

_IDENT = r"[A-Za-z_$][\w$]*"
_IMPORT = re.compile(r"import\s*\{(?P<names>[^{}]*)\}\s*from\s*(?P<q>[\"'])(?P<path>[^\"'\n]*)(?P=q)\s*;")
_EXPORT_DECL = re.compile(rf"export\s+(?P<kind>async\s+function\s*\*?|function\s*\*?|class|const)\s*(?P<name>{_IDENT})")
_EXPORT_LIST = re.compile(r"export\s*\{(?P<names>[^{}]*)\}\s*;")
_KEYWORD = re.compile(r"(?<![\w$.])(import|export)(?![\w$])")
_WORD = re.compile(r"[\w$]+")
_SPEC = re.compile(rf"^\s*(?P<name>{_IDENT})(?:\s+as\s+(?P<alias>{_IDENT}))?\s*$")
# After one of these a "/" starts a regular expression, not a division.
_REGEX_AFTER_CHARS = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw",
                      "instanceof", "yield", "await"}


class BundleError(ValueError):
    """Module code outside the supported subset, or imports that do not resolve."""


@dataclass
class Module:
    path: str  # relative to ui/static, e.g. "editor/store.js"
    imports: list[tuple[str, list[tuple[str, str]], int]] = field(default_factory=list)  # (path, [(name, local)], line)
    exports: dict[str, str] = field(default_factory=dict)  # exported name -> local name
    body: str = ""

    @property
    def var(self) -> str:
        return module_var(self.path)


@dataclass
class Bundle:
    entry: str
    modules: list[Module]  # dependencies first, the entry last
    text: str


def module_var(path: str) -> str:
    """The variable holding a module's exports: ``editor/store.js`` -> ``__m_editor_store``."""
    return "__m_" + re.sub(r"[^\w$]", "_", path[:-3] if path.endswith(".js") else path)


def mask(src: str) -> str:
    """``src`` with the insides of comments, strings, template text and regular expressions blanked.

    Every other character (and every newline) stays where it was, so offsets and line numbers
    found in the result hold for ``src``; code inside ``${...}`` stays visible.
    """
    out = list(src)
    n = len(src)
    i = 0
    stack: list[int] = []  # brace depth at each open ${ of a template literal
    depth = 0
    prev = ""  # the last significant code character, or a word before it ("w:return")

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def template(j: int) -> int:
        """Scan template text from j (after ` or }); return the index after its end or its ${."""
        while j < n:
            c = src[j]
            if c == "\\":
                blank(j, min(n, j + 2))
                j += 2
            elif c == "`":
                return j + 1
            elif c == "$" and j + 1 < n and src[j + 1] == "{":
                stack.append(depth)
                return j + 2
            else:
                blank(j, j + 1)
                j += 1
        return n

    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c in "'\"":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            blank(i + 1, min(j, n))
            i = j + 1
            prev = "s"
        elif c == "`":
            i = template(i + 1)
            prev = "s"
        elif c == "/" and (prev == "" or prev in _REGEX_AFTER_CHARS or prev[2:] in _REGEX_AFTER_WORDS):
            j, in_class = i + 1, False
            while j < n and src[j] != "\n":
                if src[j] == "\\":
                    j += 2
                    continue
                if src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                elif src[j] == "/" and not in_class:
                    break
                j += 1
            blank(i + 1, min(j, n))
            i = j + 1
            prev = "s"
        elif c == "}" and stack and depth == stack[-1]:
            stack.pop()
            i = template(i + 1)
            prev = "s"
        elif _WORD.match(c):
            m = _WORD.match(src, i)
            assert m is not None
            prev = "w:" + m.group(0)
            i = m.end()
        else:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            prev = c
            i += 1
    return "".join(out)


def _depths(masked: str) -> list[int]:
    """Bracket depth ({, (, [) before each character of masked code."""
    out, d = [], 0
    for c in masked:
        out.append(d)
        if c in "{([":
            d += 1
        elif c in "})]":
            d -= 1
    return out


def _names(path: str, line: int, text: str) -> list[tuple[str, str]]:
    specs = text.split(",")
    if specs and not specs[-1].strip():
        specs.pop()  # a trailing comma
    out = []
    for s in specs:
        m = _SPEC.match(s)
        if not m:
            raise BundleError(f"{path}:{line}: cannot read {s.strip()!r} in an import/export list (only `name` or `name as other`)")
        out.append((m["name"], m["alias"] or m["name"]))
    if not out:
        raise BundleError(f"{path}:{line}: empty import/export list")
    return out


def _one_declarator(path: str, line: int, masked: str, depth: list[int], i: int) -> None:
    """Check that the ``export const`` statement from ``i`` declares one name and ends with ``;``."""
    base = depth[i]
    for j in range(i, len(masked)):
        if depth[j] == base and masked[j] == ";":
            return
        if depth[j] == base and masked[j] == ",":
            raise BundleError(f"{path}:{line}: `export const` declares one name per statement here")
    raise BundleError(f"{path}:{line}: `export const` must end with `;`")


def parse_module(path: str, src: str) -> Module:
    """Split one module into its imports, its exports and its code with both removed."""
    masked = mask(src)
    depth = _depths(masked)
    mod = Module(path)
    pieces: list[str] = []
    pos = 0

    def line_of(i: int) -> int:
        return src.count("\n", 0, i) + 1

    def export(name: str, local: str, line: int) -> None:
        if name in mod.exports:
            raise BundleError(f"{path}:{line}: {name} is exported twice")
        mod.exports[name] = local

    for hit in _KEYWORD.finditer(masked):
        i = hit.start()
        if i < pos:
            continue  # inside a statement already handled (e.g. "import" in an import's names)
        line = line_of(i)
        word = hit.group(1)
        end = src.find("\n", i)
        what = src[src.rfind("\n", 0, i) + 1:end if end >= 0 else len(src)].strip()
        if depth[i] != 0:
            raise BundleError(f"{path}:{line}: `{word}` inside a block or expression is not supported: {what!r}")
        if word == "import":
            m = _IMPORT.match(src, i)
            if not m:
                raise BundleError(f"{path}:{line}: unsupported import (only `import {{ a, b as c }} from \"./x.js\";`): {what!r}")
            spec = m["path"]
            if not spec.startswith(("./", "../")) or not spec.endswith(".js"):
                raise BundleError(f"{path}:{line}: import from {spec!r}: only relative paths to .js files are supported")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            if target.startswith("../") or target == "..":
                raise BundleError(f"{path}:{line}: import from {spec!r} leaves the static folder")
            names = _names(path, line, m["names"])
            mod.imports.append((target, names, line))
            binds = ", ".join(n if n == local else f"{n}: {local}" for n, local in names)
            pieces += [src[pos:i], f"const {{ {binds} }} = {module_var(target)};", "\n" * m.group(0).count("\n")]
            pos = m.end()
            continue
        m = _EXPORT_DECL.match(src, i)
        if m:
            if m["kind"] == "const":
                _one_declarator(path, line, masked, depth, m.end())
            export(m["name"], m["name"], line)
            pieces.append(src[pos:i])
            pos = i + len("export")
            while src[pos] in " \t":
                pos += 1
            continue
        m = _EXPORT_LIST.match(src, i)
        if m:
            for local, name in _names(path, line, m["names"]):
                export(name, local, line)
            pieces += [src[pos:i], "\n" * m.group(0).count("\n")]
            pos = m.end()
            continue
        raise BundleError(f"{path}:{line}: unsupported export (only `export function|async function|class|const NAME` "
                          f"or `export {{ a, b as c }};`): {what!r}")
    pieces.append(src[pos:])
    mod.body = "".join(pieces)
    return mod


def static_reader(rel: str) -> str | None:
    """The text of ``ui/static/<rel>``, or None if there is no such file."""
    f = resources.files("audiolab.ui").joinpath("static", *rel.split("/"))
    return f.read_text(encoding="utf-8") if f.is_file() else None


def build(entry: str, read: Reader = static_reader) -> Bundle:
    """The bundle of module ``entry`` (a path relative to ui/static) and everything it imports."""
    order: list[Module] = []
    done: dict[str, Module] = {}
    visiting: list[str] = []

    def visit(path: str, by: str | None) -> Module:
        if path in done:
            return done[path]
        if path in visiting:
            cycle = " -> ".join(visiting[visiting.index(path):] + [path])
            raise BundleError(f"import cycle: {cycle} (bundled modules cannot import each other in a circle)")
        src = read(path)
        if src is None:
            raise BundleError(f"{by}: imports {path}, which does not exist" if by else f"no module {path}")
        visiting.append(path)
        mod = parse_module(path, src)
        for target, names, line in mod.imports:
            dep = visit(target, f"{path}:{line}")
            for name, _ in names:
                if name not in dep.exports:
                    raise BundleError(f"{path}:{line}: {target} does not export {name}")
        visiting.pop()
        done[path] = mod
        order.append(mod)
        return mod

    main = visit(entry, None)
    if "mount" not in main.exports:
        raise BundleError(f"{entry}: the entry module must export mount(element, props, trigger, server)")
    seen: dict[str, str] = {}
    for m in order:
        if m.var in seen:
            raise BundleError(f"{m.path} and {seen[m.var]} map to the same variable {m.var}: rename one")
        seen[m.var] = m.path
    parts = [f"// {entry} and the modules it imports, joined by audiolab.ui.bundle: edit the modules under ui/static.",
             '"use strict";']
    for m in order:
        ret = ", ".join(n if n == local else f"{n}: {local}" for n, local in m.exports.items())
        parts.append(f"// ---- {m.path} ----\nconst {m.var} = (() => {{\n{m.body.rstrip()}\nreturn {{ {ret} }};\n}})();")
    parts.append(f"{main.var}.mount(element, props, trigger, server);\n")
    return Bundle(entry, order, "\n".join(parts))


@functools.lru_cache(maxsize=None)
def script(entry: str) -> str:
    """The ``js_on_load`` script of entry module ``entry`` (built once per process)."""
    return build(entry).text
