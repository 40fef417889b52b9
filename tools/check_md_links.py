#!/usr/bin/env python3
"""Checks the relative links and #anchors of README.md and docs/*.md (GitHub-style anchors).

Usage: python3 tools/check_md_links.py [--pending docs/x.md ...]
A --pending file may be missing (a page being written elsewhere); links into it are listed, not failed.
Exit 0 when every link resolves, 1 otherwise.
"""
import glob, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r'(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)')


def prose_lines(text):
    """The lines outside fenced code blocks, with inline code removed."""
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith('```'):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def paragraphs(text):
    """Each paragraph as its lines [(number, line)]: a link may span lines."""
    buf = []
    for n, line in prose_lines(text):
        if line.strip():
            buf.append((n, line))
        elif buf:
            yield buf
            buf = []
    if buf:
        yield buf


def anchors(path):
    seen, out = {}, set()
    with open(path, encoding='utf-8') as f:
        for _, line in prose_lines(f.read()):
            m = re.match(r'#{1,6}\s+(.*?)\s*#*\s*$', line)
            if not m:
                continue
            title = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', m.group(1))  # [x](y) -> x
            slug = re.sub(r'[^\w\- ]', '', title.lower()).replace(' ', '-')
            k = seen.get(slug, 0)
            seen[slug] = k + 1
            out.add(slug if k == 0 else f'{slug}-{k}')
    return out


def main(argv):
    pending = {os.path.normpath(os.path.join(ROOT, p)) for i, p in enumerate(argv)
               if i > 0 and argv[i - 1] == '--pending'}
    files = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
    bad, waiting, count = [], [], 0
    for src in files:
        with open(src, encoding='utf-8') as f:
            text = f.read()
        for para in paragraphs(text):
            joined, starts = '', []
            for n, line in para:
                starts.append((len(joined), n))
                joined += re.sub(r'`[^`]*`', lambda m: ' ' * len(m.group()), line) + ' '
            for m in LINK.finditer(joined):
                target = m.group(1)
                if re.match(r'[a-z]+:', target):
                    continue  # http:, https:, mailto:
                count += 1
                n = max(line_no for off, line_no in starts if off <= m.start())
                where = f'{os.path.relpath(src, ROOT)}:{n}: {target}'
                path, _, anchor = target.partition('#')
                dest = os.path.normpath(os.path.join(os.path.dirname(src), path)) if path else src
                if not os.path.exists(dest):
                    (waiting if dest in pending else bad).append(where + ' (no such file)')
                elif anchor and dest.endswith('.md') and anchor not in anchors(dest):
                    bad.append(where + ' (no such anchor)')
    for w in waiting:
        print('pending:', w)
    for b in bad:
        print('BROKEN:', b)
    print(f'{count} relative links in {len(files)} files: {len(bad)} broken, {len(waiting)} into pending pages')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
