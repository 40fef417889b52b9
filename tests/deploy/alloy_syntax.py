"""A reader for the part of Grafana Alloy's configuration syntax a pipeline file uses, for tests on
a machine without Alloy: blocks (`name "label" { ... }`), attributes (`key = value`), strings,
numbers, booleans, null, lists, objects, references (`a.b.c`) and function calls (`sys.env("X")`).
It does not know which blocks and attributes each component accepts: only Alloy does.
"""
import re

TOKEN = re.compile(r'''
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[{}\[\]()=,])
''', re.VERBOSE | re.DOTALL)
ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\'}


class SyntaxError(Exception):  # noqa: A001 (the module's own error, named as Alloy reports it)
    pass


class Ref(str):
    """A reference to another component's export, e.g. otelcol.processor.batch.default.input."""


class Block:
    def __init__(self, name, label, line):
        self.name, self.label, self.line = name, label, line
        self.attrs, self.blocks = {}, []

    @property
    def id(self):
        return f'{self.name}.{self.label}' if self.label is not None else self.name

    def attr(self, key):
        return self.attrs.get(key)

    def block(self, name):
        return next((b for b in self.blocks if b.name == name), None)

    def references(self):
        """Every reference in this block's attributes and nested blocks."""
        out = []

        def walk(v):
            if isinstance(v, Ref):
                out.append(str(v))
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, dict):
                for x in v.values():
                    walk(x)
        for v in self.attrs.values():
            walk(v)
        for b in self.blocks:
            out += b.references()
        return out


def tokens(text):
    pos, line = 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SyntaxError(f'line {line}: unexpected {text[pos]!r}')
        kind, value = m.lastgroup, m.group()
        if kind != 'space':
            yield kind, value, line
        line += value.count('\n')
        pos = m.end()
    yield 'end', '', line


class Parser:
    def __init__(self, text):
        self.toks = list(tokens(text))
        self.i = 0

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self, kind=None, value=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            want = value if value is not None else kind
            raise SyntaxError(f'line {tok[2]}: expected {want}, found {tok[1] or "the end"!r}')
        self.i += 1
        return tok

    def body(self, closing):
        attrs, blocks = {}, []
        while not (self.peek()[0] == closing[0] and self.peek()[1] == closing[1]):
            kind, name, line = self.take('ident')
            if self.peek()[1] == '=':
                if '.' in name:
                    raise SyntaxError(f'line {line}: attribute name {name!r} has a dot')
                if name in attrs:
                    raise SyntaxError(f'line {line}: attribute {name!r} set twice')
                self.take('punct', '=')
                attrs[name] = self.value()
                continue
            label = None
            if self.peek()[0] == 'string':
                label = self.string(self.take('string')[1])
            self.take('punct', '{')
            b = Block(name, label, line)
            b.attrs, b.blocks = self.body(('punct', '}'))
            self.take('punct', '}')
            blocks.append(b)
        return attrs, blocks

    @staticmethod
    def string(raw):
        return re.sub(r'\\(.)', lambda m: ESCAPES.get(m.group(1), m.group(1)), raw[1:-1])

    def value(self):
        kind, text, line = self.take()
        if kind == 'string':
            return self.string(text)
        if kind == 'number':
            return float(text) if any(c in text for c in '.eE') else int(text)
        if kind == 'ident':
            if text in ('true', 'false'):
                return text == 'true'
            if text == 'null':
                return None
            if self.peek()[1] == '(':
                self.take('punct', '(')
                args = self.sequence(')')
                return ('call', text, args)
            return Ref(text)
        if text == '[':
            return self.sequence(']')
        if text == '{':
            obj = {}
            while self.peek()[1] != '}':
                k = self.take()
                if k[0] not in ('ident', 'string'):
                    raise SyntaxError(f'line {k[2]}: object key expected, found {k[1]!r}')
                self.take('punct', '=')
                obj[self.string(k[1]) if k[0] == 'string' else k[1]] = self.value()
                if self.peek()[1] != '}':
                    self.take('punct', ',')
            self.take('punct', '}')
            return obj
        raise SyntaxError(f'line {line}: a value expected, found {text or "the end"!r}')

    def sequence(self, closing):
        items = []
        while self.peek()[1] != closing:
            items.append(self.value())
            if self.peek()[1] != closing:
                self.take('punct', ',')
        self.take('punct', closing)
        return items


def parse(text):
    """The top-level blocks of an Alloy file; raises SyntaxError naming the line."""
    p = Parser(text)
    attrs, blocks = p.body(('end', ''))
    if attrs:
        raise SyntaxError(f'top-level attributes are not allowed: {sorted(attrs)}')
    return blocks
