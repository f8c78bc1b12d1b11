import { TextDecoder } from 'node:util';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

/** The part of a DOM node the text walker reads (linkedom's nodes have it). */
interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly nodeValue: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}

interface DomDocument extends DomNode {
  readonly body: DomNode | null;
  readonly title: string;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/** Elements that start and end a line of text. */
const BLOCK_TAGS = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'BODY', 'CAPTION', 'CENTER', 'DD', 'DETAILS', 'DIALOG',
  'DIV', 'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5',
  'H6', 'HEADER', 'HGROUP', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY',
  'TFOOT', 'THEAD', 'TR', 'UL',
]);
/** Table cells are separated by a space within their row's line. */
const CELL_TAGS = new Set(['TD', 'TH']);
/** Never text a reader sees. */
const INVISIBLE_TAGS = new Set(['HEAD', 'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'OBJECT', 'CANVAS', 'SELECT']);
/** Page furniture that Readability sometimes keeps (it judges by class names, not tags). */
const ARTICLE_SKIP_TAGS = new Set([...INVISIBLE_TAGS, 'NAV', 'FOOTER', 'ASIDE', 'FORM', 'BUTTON']);
/** When Readability finds no article the whole body is used, without its header too. */
const FALLBACK_SKIP_TAGS = new Set([...ARTICLE_SKIP_TAGS, 'HEADER']);

export interface MainText {
  /** One paragraph (block element) per line, whitespace collapsed, no blank lines. */
  text: string;
  title?: string;
}

/**
 * The main text of an HTML page: Readability's article when it finds one, else the body's visible
 * text without navigation, header, footer and forms. Undefined when both are empty.
 */
export function extractMainText(html: string): MainText | undefined {
  const fromArticle = readabilityText(html);
  if (fromArticle?.text) return fromArticle;
  // Readability changes the DOM it works on, so the fallback parses the page afresh.
  const document = parseHTML(html).document as unknown as DomDocument;
  const text = document.body ? visibleText(document.body, FALLBACK_SKIP_TAGS) : '';
  if (!text) return undefined;
  return withTitle(text, fromArticle?.title ?? document.title);
}

function readabilityText(html: string): MainText | undefined {
  const document = parseHTML(html).document;
  let article: ReturnType<Readability<DomNode>['parse']>;
  try {
    // The serializer hands back the article's element, so that paragraphs can become lines
    // (Readability's own textContent runs paragraphs together).
    article = new Readability<DomNode>(document, { serializer: (node) => node as unknown as DomNode }).parse();
  } catch {
    // Readability throws on some malformed documents; the caller falls back to the body text.
    return undefined;
  }
  if (!article) return undefined;
  const text = article.content ? visibleText(article.content, ARTICLE_SKIP_TAGS) : '';
  return withTitle(text, article.title ?? undefined);
}

function withTitle(text: string, title: string | undefined): MainText {
  const cleanTitle = title?.replace(/\s+/g, ' ').trim();
  return cleanTitle ? { text, title: cleanTitle } : { text };
}

/**
 * The text under `root`, one line per block element, skipping elements in `skip`.
 * Walks with an explicit stack: real pages nest deeper than the call stack allows.
 */
function visibleText(root: DomNode, skip: ReadonlySet<string>): string {
  const lines: string[] = [];
  let line = '';
  const endLine = (): void => {
    const clean = line.replace(/\s+/g, ' ').trim();
    if (clean) lines.push(clean);
    line = '';
  };
  // `null` marks the end of a block element.
  const stack: (DomNode | null)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    if (node === null) {
      endLine();
      continue;
    }
    if (node.nodeType === TEXT_NODE) {
      line += node.nodeValue ?? '';
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE) continue;
    const tag = node.nodeName.toUpperCase();
    if (skip.has(tag)) continue;
    if (tag === 'BR' || tag === 'HR') {
      endLine();
      continue;
    }
    if (CELL_TAGS.has(tag)) line += ' ';
    if (BLOCK_TAGS.has(tag)) {
      endLine();
      stack.push(null);
    }
    for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
  }
  endLine();
  return lines.join('\n');
}

/** Whether a Content-Type (possibly with parameters) names an HTML document. */
export function isHtmlContentType(contentType: string): boolean {
  const mime = contentType.split(';', 1)[0].trim().toLowerCase();
  return mime === 'text/html' || mime === 'application/xhtml+xml';
}

/** Whether a body without a Content-Type looks like HTML (as browsers sniff it). */
export function looksLikeHtml(body: Uint8Array): boolean {
  const start = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, 512)).toString('latin1');
  return /^\s*<(!doctype\s+html|html|head|body)[\s>]/i.test(start);
}

/**
 * Decode an HTML body: a byte-order mark wins, then the Content-Type charset, then a
 * `<meta charset>` in the first 2 KiB, then UTF-8. Unknown labels fall back to UTF-8; bytes that
 * do not decode become U+FFFD (web pages lie about their charset too often to reject them).
 */
export function decodeHtml(body: Uint8Array, contentType: string | undefined): string {
  const label = bomCharset(body) ?? charsetParameter(contentType) ?? metaCharset(body) ?? 'utf-8';
  return decoderFor(label).decode(body);
}

function bomCharset(body: Uint8Array): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  return undefined;
}

function charsetParameter(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType) : null;
  return match?.[1];
}

function metaCharset(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, 2048)).toString('latin1');
  const label = /<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1];
  // A page whose bytes let us read an ASCII <meta> is not UTF-16, whatever it claims (HTML spec).
  return label && /^utf-?16/i.test(label) ? 'utf-8' : label;
}

const decoders = new Map<string, TextDecoder>();

function decoderFor(label: string): TextDecoder {
  const key = label.toLowerCase();
  let decoder = decoders.get(key);
  if (!decoder) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = decoderFor('utf-8');
    }
    decoders.set(key, decoder);
  }
  return decoder;
}
