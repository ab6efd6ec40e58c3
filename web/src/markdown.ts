// A small Markdown subset for descriptions: headings (#, ##, ###), paragraphs, bullet and
// numbered lists, fenced code blocks, inline code, **bold**, *emphasis* and [links](url). It
// returns a tree of plain objects that a component turns into DOM nodes, so text is never read
// as HTML; links keep only http(s), mailto, in-page (#) and relative addresses. Pure functions.

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] };

export type Block =
  | { t: 'heading'; level: 1 | 2 | 3; children: Inline[] }
  | { t: 'paragraph'; children: Inline[] }
  | { t: 'list'; ordered: boolean; items: Inline[][] }
  | { t: 'pre'; text: string };

/** An address a link may point at, or null (javascript:, data: and other schemes are dropped). */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (/^(https?:|mailto:)/i.test(href)) return href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return null;
  if (/^\/\//.test(href)) return null;
  return href;
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = () => { if (buf) { out.push({ t: 'text', text: buf }); buf = ''; } };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#-]/.test(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i) { flush(); out.push({ t: 'code', text: text.slice(i + 1, end) }); i = end + 1; continue; }
    }
    if ((c === '*' || c === '_') && text[i + 1] === c) {
      const end = text.indexOf(c + c, i + 2);
      if (end > i + 2) { flush(); out.push({ t: 'strong', children: parseInline(text.slice(i + 2, end)) }); i = end + 2; continue; }
    }
    if (c === '*' || c === '_') {
      const end = text.indexOf(c, i + 1);
      if (end > i + 1 && text[i + 1] !== ' ') { flush(); out.push({ t: 'em', children: parseInline(text.slice(i + 1, end)) }); i = end + 1; continue; }
    }
    if (c === '[') {
      const close = text.indexOf('](', i + 1);
      const end = close > 0 ? text.indexOf(')', close + 2) : -1;
      if (close > i && end > close) {
        const href = safeHref(text.slice(close + 2, end));
        const label = parseInline(text.slice(i + 1, close));
        flush();
        if (href !== null) out.push({ t: 'link', href, children: label });
        else out.push(...label);
        i = end + 1;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const endPara = () => { if (para.length) { blocks.push({ t: 'paragraph', children: parseInline(para.join(' ')) }); para = []; } };
  const endList = () => { if (list) { blocks.push({ t: 'list', ordered: list.ordered, items: list.items.map(parseInline) }); list = null; } };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      endPara(); endList();
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
      blocks.push({ t: 'pre', text: code.join('\n') });
      continue;
    }
    if (!line.trim()) { endPara(); endList(); continue; }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      endPara(); endList();
      blocks.push({ t: 'heading', level: Math.min(3, h[1].length) as 1 | 2 | 3, children: parseInline(h[2].replace(/\s+#+\s*$/, '')) });
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      endPara();
      const ordered = !bullet;
      if (list && list.ordered !== ordered) endList();
      if (!list) list = { ordered, items: [] };
      list.items.push((bullet ?? numbered)![1]);
      continue;
    }
    if (list && /^\s+\S/.test(line)) { list.items[list.items.length - 1] += ' ' + line.trim(); continue; }
    endList();
    para.push(line.trim());
  }
  endPara();
  endList();
  return blocks;
}
