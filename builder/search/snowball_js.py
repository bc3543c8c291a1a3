"""Generate the JavaScript French stemmer from the Python one, so both sides stem alike.

The site's search box must stem query words exactly as the build stemmed the pages
(``snowballstemmer``, generated from Snowball's ``french.sbl``). No package on the npm
registry ships the same Snowball version for the browser (lunr-languages and
snowball-stemmers carry the 2000s algorithm, which stems « française » differently;
multilingual-stemmer is a 376 KB WebAssembly module that cannot load from file://).
So this module translates snowballstemmer's generated ``french_stemmer.py``
statement by statement into JavaScript: that code only uses a handful of constructs
(``while True``, ``try``/``except labN: pass`` used as labelled blocks, ``raise labN()``
as ``break labN``), which map one-to-one. The runtime (``BaseStemmer``, ``Among``) is a
line-by-line port of snowballstemmer's ``basestemmer.py``.

    python3 -m builder.search.snowball_js   # rewrites theme/assets/vendor/snowball/french-stemmer.js

A test checks the committed file is this module's output, another that Chromium
gives the same stems as Python on the site's whole vocabulary.
"""

from __future__ import annotations

import ast
import inspect
import json
from importlib.metadata import version
from pathlib import Path

TARGET = Path(__file__).resolve().parents[2] / "theme" / "assets" / "vendor" / "snowball" / "french-stemmer.js"

RUNTIME = r"""
function Among(s, substring_i, result, method) {
  this.s = s;
  this.substring_i = substring_i;
  this.result = result;
  this.method = method || null;
}

function BaseStemmer() {
  this.setCurrent("");
}

BaseStemmer.prototype.setCurrent = function (value) {
  this.current = value;
  this.cursor = 0;
  this.limit = this.current.length;
  this.limit_backward = 0;
  this.bra = this.cursor;
  this.ket = this.limit;
};

BaseStemmer.prototype.getCurrent = function () {
  return this.current;
};

BaseStemmer.prototype.in_grouping = function (s) {
  if (this.cursor >= this.limit) return false;
  if (!s.has(this.current[this.cursor])) return false;
  this.cursor += 1;
  return true;
};

BaseStemmer.prototype.go_in_grouping = function (s) {
  while (this.cursor < this.limit) {
    if (!s.has(this.current[this.cursor])) return true;
    this.cursor += 1;
  }
  return false;
};

BaseStemmer.prototype.in_grouping_b = function (s) {
  if (this.cursor <= this.limit_backward) return false;
  if (!s.has(this.current[this.cursor - 1])) return false;
  this.cursor -= 1;
  return true;
};

BaseStemmer.prototype.go_in_grouping_b = function (s) {
  while (this.cursor > this.limit_backward) {
    if (!s.has(this.current[this.cursor - 1])) return true;
    this.cursor -= 1;
  }
  return false;
};

BaseStemmer.prototype.out_grouping = function (s) {
  if (this.cursor >= this.limit) return false;
  if (!s.has(this.current[this.cursor])) {
    this.cursor += 1;
    return true;
  }
  return false;
};

BaseStemmer.prototype.go_out_grouping = function (s) {
  while (this.cursor < this.limit) {
    if (s.has(this.current[this.cursor])) return true;
    this.cursor += 1;
  }
  return false;
};

BaseStemmer.prototype.out_grouping_b = function (s) {
  if (this.cursor <= this.limit_backward) return false;
  if (!s.has(this.current[this.cursor - 1])) {
    this.cursor -= 1;
    return true;
  }
  return false;
};

BaseStemmer.prototype.go_out_grouping_b = function (s) {
  while (this.cursor > this.limit_backward) {
    if (s.has(this.current[this.cursor - 1])) return true;
    this.cursor -= 1;
  }
  return false;
};

BaseStemmer.prototype.eq_s = function (s) {
  // Python: self.current.startswith(s, self.cursor, self.limit)
  if (this.current.slice(this.cursor, this.limit).startsWith(s)) {
    this.cursor += s.length;
    return true;
  }
  return false;
};

BaseStemmer.prototype.eq_s_b = function (s) {
  // Python: self.current.endswith(s, self.limit_backward, self.cursor)
  if (this.current.slice(this.limit_backward, this.cursor).endsWith(s)) {
    this.cursor -= s.length;
    return true;
  }
  return false;
};

BaseStemmer.prototype.find_among = function (v) {
  var i = 0, j = v.length, c = this.cursor, l = this.limit;
  var common_i = 0, common_j = 0, first_key_inspected = false;
  var k, diff, common, w, i2;
  while (true) {
    k = i + ((j - i) >> 1);
    diff = 0;
    common = Math.min(common_i, common_j);
    w = v[k];
    for (i2 = common; i2 < w.s.length; i2++) {
      if (c + common === l) { diff = -1; break; }
      diff = this.current.charCodeAt(c + common) - w.s.charCodeAt(i2);
      if (diff !== 0) break;
      common += 1;
    }
    if (diff < 0) { j = k; common_j = common; } else { i = k; common_i = common; }
    if (j - i <= 1) {
      if (i > 0) break;
      if (j === i) break;
      if (first_key_inspected) break;
      first_key_inspected = true;
    }
  }
  while (true) {
    w = v[i];
    if (common_i >= w.s.length) {
      this.cursor = c + w.s.length;
      if (w.method === null) return w.result;
      if (w.method.call(this)) { this.cursor = c + w.s.length; return w.result; }
    }
    i = w.substring_i;
    if (i < 0) return 0;
  }
};

BaseStemmer.prototype.find_among_b = function (v) {
  var i = 0, j = v.length, c = this.cursor, lb = this.limit_backward;
  var common_i = 0, common_j = 0, first_key_inspected = false;
  var k, diff, common, w, i2;
  while (true) {
    k = i + ((j - i) >> 1);
    diff = 0;
    common = Math.min(common_i, common_j);
    w = v[k];
    for (i2 = w.s.length - 1 - common; i2 > -1; i2--) {
      if (c - common === lb) { diff = -1; break; }
      diff = this.current.charCodeAt(c - 1 - common) - w.s.charCodeAt(i2);
      if (diff !== 0) break;
      common += 1;
    }
    if (diff < 0) { j = k; common_j = common; } else { i = k; common_i = common; }
    if (j - i <= 1) {
      if (i > 0) break;
      if (j === i) break;
      if (first_key_inspected) break;
      first_key_inspected = true;
    }
  }
  while (true) {
    w = v[i];
    if (common_i >= w.s.length) {
      this.cursor = c - w.s.length;
      if (w.method === null) return w.result;
      if (w.method.call(this)) { this.cursor = c - w.s.length; return w.result; }
    }
    i = w.substring_i;
    if (i < 0) return 0;
  }
};

BaseStemmer.prototype.replace_s = function (c_bra, c_ket, s) {
  var adjustment = s.length - (c_ket - c_bra);
  this.current = this.current.slice(0, c_bra) + s + this.current.slice(c_ket);
  this.limit += adjustment;
  if (this.cursor >= c_ket) this.cursor += adjustment;
  else if (this.cursor > c_bra) this.cursor = c_bra;
  return adjustment;
};

BaseStemmer.prototype.check_slice = function () {
  if (!(this.bra >= 0 && this.bra <= this.ket && this.ket <= this.limit && this.limit <= this.current.length)) {
    throw new Error("snowball: faulty slice operation");
  }
};

BaseStemmer.prototype.slice_from = function (s) {
  this.check_slice();
  this.replace_s(this.bra, this.ket, s);
  this.ket = this.bra + s.length;
};

BaseStemmer.prototype.slice_del = function () {
  return this.slice_from("");
};

BaseStemmer.prototype.insert = function (c_bra, c_ket, s) {
  var adjustment = this.replace_s(c_bra, c_ket, s);
  if (c_bra <= this.bra) this.bra += adjustment;
  if (c_bra <= this.ket) this.ket += adjustment;
};

BaseStemmer.prototype.slice_to = function () {
  this.check_slice();
  return this.current.slice(this.bra, this.ket);
};

BaseStemmer.prototype.assign_to = function () {
  return this.current.slice(0, this.limit);
};

BaseStemmer.prototype.stemWord = function (word) {
  this.setCurrent(word);
  this._stem();
  return this.getCurrent();
};
"""

HEADER = """\
/* French stemmer of Snowball {snowball}, for the site's search box.
 * Generated by builder/search/snowball_js.py from snowballstemmer {package}
 * (french_stemmer.py, itself generated from french.sbl - https://snowballstem.org/).
 * Do not edit: regenerate with `python3 -m builder.search.snowball_js`.
 * Licence: BSD-3-Clause, see LICENSE beside this file.
 */
"""


class _Translator:
    """Python statements of the generated stemmer → JavaScript."""

    def __init__(self, class_name: str):
        self.class_name = class_name
        self.lines: list[str] = []
        self.labels: list[str] = []

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    # --- expressions ---

    def expr(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            if node.value is True:
                return "true"
            if node.value is False:
                return "false"
            if node.value is None:
                return "null"
            if isinstance(node.value, str):
                return json.dumps(node.value)  # ASCII with \\u escapes: safe whatever the page encoding
            if isinstance(node.value, int):
                return str(node.value)
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "self":
                return f"this.{self.member(node.attr)}"
            if node.value.id == self.class_name:
                return f"{self.class_name}.{node.attr}"
        if isinstance(node, ast.Call) and not node.keywords:
            return f"{self.expr(node.func)}({', '.join(self.expr(a) for a in node.args)})"
        if isinstance(node, ast.Subscript):
            return f"{self.expr(node.value)}[{self.expr(node.slice)}]"
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            op = {ast.Eq: "===", ast.NotEq: "!==", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}[type(node.ops[0])]
            return f"{self.expr(node.left)} {op} {self.expr(node.comparators[0])}"
        if isinstance(node, ast.BoolOp):
            op = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + op.join(self.expr(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"!({self.expr(node.operand)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return f"-{self.expr(node.operand)}"
        if isinstance(node, ast.BinOp):
            op = {ast.Add: "+", ast.Sub: "-", ast.RShift: ">>"}[type(node.op)]
            return f"({self.expr(node.left)} {op} {self.expr(node.right)})"
        raise NotImplementedError(f"expression non traduite : {ast.dump(node)}")

    @staticmethod
    def member(name: str) -> str:
        return name[2:] if name.startswith("__") else name  # private methods: __r_x → r_x

    # --- statements ---

    def block(self, body: list[ast.stmt], depth: int) -> None:
        for statement in body:
            self.statement(statement, depth)

    def statement(self, node: ast.stmt, depth: int) -> None:
        if isinstance(node, ast.Pass):
            return
        if isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and node.test.value is True and not node.orelse:
            self.emit(depth, "while (true) {")
            self.block(node.body, depth + 1)
            self.emit(depth, "}")
        elif isinstance(node, ast.Try):
            label = self.try_label(node)
            if label in self.labels:
                raise NotImplementedError(f"étiquette {label} imbriquée dans elle-même")
            self.labels.append(label)
            self.emit(depth, f"{label}: {{")
            self.block(node.body, depth + 1)
            self.emit(depth, "}")
            self.labels.pop()
        elif isinstance(node, ast.Raise):
            label = node.exc.func.id if isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name) else None
            if label not in self.labels:
                raise NotImplementedError(f"raise hors de son try : {ast.dump(node)}")
            self.emit(depth, f"break {label};")
        elif isinstance(node, ast.If):
            self.emit(depth, f"if ({self.expr(node.test)}) {{")
            self.block(node.body, depth + 1)
            orelse = node.orelse
            while len(orelse) == 1 and isinstance(orelse[0], ast.If):
                self.emit(depth, f"}} else if ({self.expr(orelse[0].test)}) {{")
                self.block(orelse[0].body, depth + 1)
                orelse = orelse[0].orelse
            if orelse:
                self.emit(depth, "} else {")
                self.block(orelse, depth + 1)
            self.emit(depth, "}")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            self.emit(depth, f"{self.expr(node.targets[0])} = {self.expr(node.value)};")
        elif isinstance(node, ast.AugAssign):
            op = {ast.Add: "+=", ast.Sub: "-="}[type(node.op)]
            self.emit(depth, f"{self.expr(node.target)} {op} {self.expr(node.value)};")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.emit(depth, f"{self.expr(node.value)};")
        elif isinstance(node, ast.Return):
            self.emit(depth, f"return {self.expr(node.value)};" if node.value is not None else "return;")
        elif isinstance(node, ast.Break):
            self.emit(depth, "break;")
        elif isinstance(node, ast.Continue):
            self.emit(depth, "continue;")
        else:
            raise NotImplementedError(f"instruction non traduite : {ast.dump(node)}")

    @staticmethod
    def try_label(node: ast.Try) -> str:
        # Only « try: … except labN: pass » is expected: a labelled block left by « break labN ».
        if node.orelse or node.finalbody or len(node.handlers) != 1:
            raise NotImplementedError(f"try non traduit : {ast.dump(node)}")
        handler = node.handlers[0]
        if not (isinstance(handler.type, ast.Name) and handler.name is None
                and len(handler.body) == 1 and isinstance(handler.body[0], ast.Pass)):
            raise NotImplementedError(f"except non traduit : {ast.dump(handler)}")
        return handler.type.id

    # --- the class ---

    def function(self, node: ast.FunctionDef) -> None:
        if [a.arg for a in node.args.args] != ["self"]:
            raise NotImplementedError(f"méthode à paramètres : {node.name}")
        local_names = sorted({t.id for n in ast.walk(node) if isinstance(n, (ast.Assign, ast.AugAssign))
                              for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)})
        self.emit(0, f"{self.class_name}.prototype.{self.member(node.name)} = function () {{")
        if local_names:
            self.emit(1, f"var {', '.join(local_names)};")
        self.block(node.body, 1)
        self.emit(0, "};")
        self.emit(0, "")

    def class_attribute(self, node: ast.Assign) -> None:
        name = node.targets[0].id  # type: ignore[attr-defined]
        value = node.value
        if isinstance(value, ast.Set):
            self.emit(0, f"{self.class_name}.{name} = new Set([{', '.join(self.expr(e) for e in value.elts)}]);")
        elif isinstance(value, ast.List):
            self.emit(0, f"{self.class_name}.{name} = [")
            rows = []
            for element in value.elts:
                if not (isinstance(element, ast.Call) and element.func.id == "Among" and len(element.args) == 3):  # type: ignore[attr-defined]
                    raise NotImplementedError(f"table non traduite : {ast.dump(element)}")
                rows.append("  new Among(" + ", ".join(self.expr(a) for a in element.args) + ")")
            self.lines.extend(",\n".join(rows).split("\n"))
            self.emit(0, "];")
        elif isinstance(value, ast.Constant) and isinstance(value.value, int):
            self.emit(0, f"{self.class_name}.prototype.{name} = {value.value};")
        else:
            raise NotImplementedError(f"attribut non traduit : {name}")


def generate() -> str:
    from snowballstemmer import french_stemmer

    source = inspect.getsource(french_stemmer)
    module = ast.parse(source)
    stemmer_class = next(n for n in module.body if isinstance(n, ast.ClassDef) and n.name == "FrenchStemmer")
    snowball = source.splitlines()[0].rsplit("Snowball ", 1)[1].split(" ")[0]
    out = _Translator("FrenchStemmer")
    out.lines.append(HEADER.format(snowball=snowball, package=version("snowballstemmer")))
    out.lines.append("(function (root) {")
    out.lines.append('"use strict";')
    out.lines.extend(RUNTIME.strip("\n").split("\n"))
    out.emit(0, "")
    out.emit(0, "function FrenchStemmer() {")
    out.emit(1, "BaseStemmer.call(this);")
    out.emit(0, "}")
    out.emit(0, "FrenchStemmer.prototype = Object.create(BaseStemmer.prototype);")
    out.emit(0, "FrenchStemmer.prototype.constructor = FrenchStemmer;")
    out.emit(0, "")
    for node in stemmer_class.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, ast.Assign):
            out.class_attribute(node)
        elif isinstance(node, ast.FunctionDef):
            out.function(node)
        else:
            raise NotImplementedError(f"membre de classe non traduit : {ast.dump(node)}")
    out.emit(0, "")
    out.emit(0, "var shared = new FrenchStemmer();")
    out.emit(0, "root.SnowballFrench = {")
    out.emit(1, f"snowball: {json.dumps(snowball)},")
    out.emit(1, "stem: function (word) { return shared.stemWord(word); }")
    out.emit(0, "};")
    out.lines.append("})(typeof globalThis !== \"undefined\" ? globalThis : this);")
    return "\n".join(out.lines) + "\n"


def main() -> None:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(generate(), encoding="utf-8")
    print(f"Écrit : {TARGET}")


if __name__ == "__main__":
    main()
