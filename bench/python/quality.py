"""The Python peer of `npm run bench -- quality`: datatrove's four heuristic filters, standard library only.

    python3 bench/python/quality.py DOCS.jsonl STOPWORDS_ISO.json REPEATS DECISIONS_OUT.json

Runs GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter(filter_no_terminal_punct=False)
-> FineWebQualityFilter on every document, as FineWeb's pipeline does (the first removal decides),
with datatrove's rules and thresholds and the same
multilingual choices as apertus-ts: stop words per language (datatrove's eight English words,
stopwords-iso otherwise), lower word-length and short-line thresholds for Chinese, Japanese and
Korean, no punctuation rule for Thai and Lao, terminal punctuation of several scripts.

Words: one regex, like a word tokenizer's output (words, and punctuation as tokens of its own),
since the standard library has no dictionary segmenter: Han, kana and Thai are split into single
characters instead of words. Each document is tokenized once and the tokens shared by the
filters (lines included), as a careful implementation would. Prints one JSON line with the best time of REPEATS;
writes each document's decision ("keep" or the reason) to DECISIONS_OUT.json, untimed.
"""
import json
import re
import sys
import time
from collections import Counter

# Letters/digits (\w minus _) plus the combining marks Python's \w leaves out (Latin, Arabic, Devanagari
# without its danda full stops).
W = r"(?:[^\W_]|[\u0300-\u036f\u064b-\u065f\u0670\u0900-\u0963\u0966-\u097f])"
NO_SPACE = r"[\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
TOKEN_RE = re.compile(rf"({NO_SPACE})|({W}+(?:(?:['’.·_\-]|,(?=\d)){W}+)*)|((\S)\4*)")
LETTER_RE = re.compile(r"[^\W\d_]")

ENGLISH_STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}
MIN_AVG_WORD_LENGTH = {"zh": 1, "yue": 1, "wuu": 1, "lzh": 1, "ja": 1, "ko": 2}
SHORT_LINE_LENGTH = {"zh": 8, "yue": 8, "wuu": 8, "lzh": 8, "ja": 12, "ko": 13}
NO_SENTENCE_PUNCTUATION = {"th", "lo"}
SENTENCE_TERMINALS = ".!?\u037e\u0589\u061f\u06d4\u0964\u0965\u104a\u104b\u1362\u1367\u1368\u3002\uff01\uff0e\uff1f\uff61"
TERMINAL_END = tuple(SENTENCE_TERMINALS + "\"'”’»›」』")
# Possessive run, starting only at the start of a run: linear on '.' * 100000 + 'x'.
SENTENCE_END_RE = re.compile(
    rf"(?<![{re.escape(SENTENCE_TERMINALS)}])[{re.escape(SENTENCE_TERMINALS)}]++[\"'”’»›」』)\]）]*(?=\s|$)|[。！？｡]+[」』）]*"
)
CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]
POLICY_BY_LANGUAGE = {
    "de": ["nutzungsbedingungen", "datenschutzerklärung", "datenschutzrichtlinie", "cookie-richtlinie",
           "verwendet cookies", "verwendung von cookies", "einsatz von cookies"],
    "fr": ["conditions d'utilisation", "politique de confidentialité", "utilise des cookies",
           "utilisation des cookies", "politique relative aux cookies"],
    "es": ["términos de uso", "política de privacidad", "política de cookies", "utiliza cookies", "uso de cookies"],
    "it": ["termini di utilizzo", "informativa sulla privacy", "utilizza i cookie", "uso dei cookie", "utilizzo dei cookie"],
    "nl": ["gebruiksvoorwaarden", "privacybeleid", "cookiebeleid", "gebruikt cookies", "gebruik van cookies"],
    "pt": ["termos de uso", "política de privacidade", "política de cookies", "utiliza cookies", "uso de cookies"],
}


def tokenize(text):
    """-> (tokens, is_word flags)."""
    tokens, is_word = [], []
    for no_space, word, punct, _ in TOKEN_RE.findall(text):
        if punct:
            tokens.append(punct)
            is_word.append(False)
        else:
            tokens.append(no_space or word)
            is_word.append(True)
    return tokens, is_word


def gopher_repetition(text, tokens):
    stripped = text.strip()
    if not stripped:
        return "gopher_repetition_empty"
    paragraphs = re.split(r"\n{2,}", stripped)
    dups, chars = find_duplicates(paragraphs)
    if dups / len(paragraphs) > 0.3:
        return "gopher_repetition_dup_para_frac"
    if chars / len(text) > 0.2:
        return "gopher_repetition_dup_para_char_frac"
    lines = re.split(r"\n+", text)
    dups, chars = find_duplicates(lines)
    if dups / len(lines) > 0.3:
        return "gopher_repetition_dup_line_frac"
    if chars / len(text) > 0.2:
        return "gopher_repetition_dup_line_char_frac"
    for n, limit in ((2, 0.2), (3, 0.18), (4, 0.16)):
        grams = [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        if grams:
            gram, count = Counter(grams).most_common(1)[0]
            if len(gram) * count / len(text) > limit:
                return f"gopher_repetition_top_{n}_gram"
    for n, limit in ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)):
        if all_duplicate_chars(tokens, n) / len(text) > limit:
            return f"gopher_repetition_duplicated_{n}_n_grams"
    return None


def find_duplicates(elements):
    seen, count, chars = set(), 0, 0
    for element in elements:
        if element in seen:
            count += 1
            chars += len(element)
        else:
            seen.add(element)
    return count, chars


def all_duplicate_chars(tokens, n):
    seen, repeated, i = set(), 0, 0
    while i < len(tokens) - n + 1:
        gram = "".join(tokens[i:i + n])
        if gram in seen:
            repeated += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


def gopher_quality(text, tokens, is_word, language, stop_words):
    words = [t for t, w in zip(tokens, is_word) if w]
    n = len(words)
    if not tokens or n < 50:
        return "gopher_short_doc"
    if n > 100000:
        return "gopher_long_doc"
    average = sum(len(w) for w in words) / n
    if average < MIN_AVG_WORD_LENGTH.get(language, 3):
        return "gopher_below_avg_threshold"
    if average > 10:
        return "gopher_above_avg_threshold"
    if text.count("#") / len(tokens) > 0.1:
        return "gopher_too_many_hashes"
    if (text.count("...") + text.count("…")) / len(tokens) > 0.1:
        return "gopher_too_many_ellipsis"
    lines = text.splitlines()
    if lines:
        if sum(l.lstrip().startswith(("•", "-")) for l in lines) / len(lines) > 0.9:
            return "gopher_too_many_bullets"
        if sum(l.rstrip().endswith(("...", "…")) for l in lines) / len(lines) > 0.3:
            return "gopher_too_many_end_ellipsis"
    if sum(1 for t in tokens if LETTER_RE.search(t)) / len(tokens) < 0.8:
        return "gopher_below_alpha_threshold"
    if stop_words is not None and sum(1 for t in tokens if t in stop_words) < 2:
        return "gopher_enough_stop_words"
    return None


def c4_quality(text, language, line_tokens, filter_no_terminal_punct=True):
    """-> (reason or None, new text, tokens in the new text). line_tokens: tokenize() of each line."""
    phrases = POLICY + POLICY_BY_LANGUAGE.get(language, [])
    needs_punctuation = filter_no_terminal_punct and language not in NO_SENTENCE_PUNCTUATION
    kept, kept_tokens, sentences = [], 0, 0
    for line, (tokens, is_word) in zip(text.splitlines(), line_tokens):
        line = line.strip()
        words = [t for t, w in zip(tokens, is_word) if w]
        if any(len(w) > 1000 for w in words):
            continue
        line = CITATION_RE.sub("", line)
        if needs_punctuation and (not line.endswith(TERMINAL_END) or line.endswith("...")):
            continue
        if len(words) < 3:
            continue
        lower = line.lower()
        if "lorem ipsum" in lower:
            return "c4_lorem_ipsum", text, 0
        if "javascript" in lower:
            continue
        if "{" in line:
            return "c4_curly_bracket", text, 0
        if any(p in lower for p in phrases):
            continue
        sentences += count_sentences(line)
        kept.append(line)
        kept_tokens += len(tokens)
    if sentences < 5:
        return "c4_too_few_sentences", text, 0
    return None, "\n".join(kept).strip(), kept_tokens


def count_sentences(line):
    count, last = 0, 0
    for m in SENTENCE_END_RE.finditer(line):
        count += 1
        last = m.end()
    return count + (1 if line[last:].strip() else 0)


def fineweb_quality(text, language, token_count):
    lines = [l for l in text.split("\n") if l.strip()]
    if not lines:
        return "fineweb_empty"
    ratio = sum(1 for l in lines if l.rstrip().endswith(TERMINAL_END)) / len(lines)
    if language not in NO_SENTENCE_PUNCTUATION and ratio < 0.12:
        return "fineweb_line_punct_ratio"
    short = SHORT_LINE_LENGTH.get(language, 30)
    if sum(1 for l in lines if len(l) <= short) / len(lines) > 0.67:
        return "fineweb_short_line_ratio"
    if find_duplicates(lines)[1] / len(text.replace("\n", "")) > 0.1:
        return "fineweb_char_dup_ratio"
    if text.count("\n") / max(token_count, 1) > 0.3:
        return "fineweb_list_ratio"
    return None


def judge(text, language, stop_lists):
    # Tokens never cross a line break: tokenize each line once, and the document is their concatenation.
    line_tokens = [tokenize(line) for line in text.splitlines()]
    tokens = [t for line, _ in line_tokens for t in line]
    is_word = [w for _, flags in line_tokens for w in flags]
    reason = gopher_repetition(text, tokens)
    if reason:
        return reason
    stop_words = ENGLISH_STOP_WORDS if language == "en" else stop_lists.get(language)
    reason = gopher_quality(text, tokens, is_word, language, stop_words)
    if reason:
        return reason
    reason, new_text, new_tokens = c4_quality(text, language, line_tokens, filter_no_terminal_punct=False)
    if reason:
        return reason
    return fineweb_quality(new_text, language, new_tokens) or "keep"


def main():
    docs_path, stopwords_path, repeats, decisions_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(docs_path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    with open(stopwords_path, encoding="utf-8") as f:
        stop_lists = {k: {w for w in v if LETTER_RE.search(w)} for k, v in json.load(f).items()}
    best, decisions = None, []
    for _ in range(repeats):
        start = time.perf_counter()
        decisions = [judge(d["text"], d["metadata"].get("language", "en"), stop_lists) for d in docs]
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    with open(decisions_path, "w", encoding="utf-8") as f:
        json.dump(decisions, f)
    kept = sum(1 for d in decisions if d == "keep")
    print(json.dumps({"documents": len(docs), "kept": kept, "seconds": best, "docs_per_s": len(docs) / best}))


if __name__ == "__main__":
    main()
