"""GPT-2's byte-level BPE in plain Python, after openai/gpt-2 src/encoder.py and
transformers' GPT2Tokenizer (slow): bytes_to_unicode, the pre-tokenisation pattern, and
rank-ordered merges. The pattern needs the `regex` module's \\p{L} / \\p{N}; Debian's
python3 lacks `regex`, so pretokenize() scans with unicodedata categories instead (the
same classes: letters L*, numbers N*, Unicode White_Space). Also trains a tiny merge
table for test fixtures.
"""
import unicodedata

WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def _letter(c):
    return unicodedata.category(c).startswith("L")


def _number(c):
    return unicodedata.category(c).startswith("N")


def _space(c):
    return c in WHITE_SPACE


def _other(c):
    return not (_space(c) or _letter(c) or _number(c))


def pretokenize(text):
    """re.findall(r"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", text)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == "'":
            if text[i + 1: i + 3] in ("re", "ve", "ll"):
                out.append(text[i: i + 3]); i += 3; continue
            if i + 1 < n and text[i + 1] in "stmd":
                out.append(text[i: i + 2]); i += 2; continue
        j = i + 1 if text[i] == " " and i + 1 < n else i
        matched = False
        for cls in (_letter, _number, _other):
            if j < n and cls(text[j]) and (j == i or text[i] == " "):
                k = j
                while k < n and cls(text[k]):
                    k += 1
                out.append(text[i:k]); i = k; matched = True
                break
        if matched:
            continue
        if _space(text[i]):
            k = i
            while k < n and _space(text[k]):
                k += 1
            # \s+(?!\S): give back the last space when a non-space follows.
            if k < n and k - i >= 2:
                k -= 1
            out.append(text[i:k]); i = k; continue
        out.append(text[i]); i += 1
    return out


class Gpt2Bpe:
    def __init__(self, vocab, merges, specials=("<|endoftext|>",)):
        self.encoder = vocab
        self.decoder = {v: k for k, v in vocab.items()}
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.specials = [s for s in specials if s in vocab]

    def bpe(self, token):
        word = tuple(token)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            new, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new.extend(word[i:]); break
                new.extend(word[i:j]); i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new.append(first + second); i += 2
                else:
                    new.append(word[i]); i += 1
            word = tuple(new)
        return word

    def encode(self, text):
        ids = []
        parts = [text]
        for s in self.specials:
            parts = [q for p in parts for q in _split_keep(p, s)]
        for part in parts:
            if part in self.specials:
                ids.append(self.encoder[part]); continue
            for piece in pretokenize(part):
                chars = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
                ids.extend(self.encoder[t] for t in self.bpe(chars))
        return ids

    def decode(self, ids):
        text = "".join(self.decoder[i] for i in ids)
        return bytearray(self.byte_decoder[c] for c in text).decode("utf-8", errors="replace")


def _split_keep(text, sep):
    if sep not in text:
        return [text]
    out = []
    for k, chunk in enumerate(text.split(sep)):
        if k:
            out.append(sep)
        if chunk:
            out.append(chunk)
    return out


def train_merges(corpus, count):
    """`count` merges learned from `corpus` (most frequent pair first, ties by the pair's text)."""
    enc = bytes_to_unicode()
    words = {}
    for line in corpus:
        for piece in pretokenize(line):
            w = tuple(enc[b] for b in piece.encode("utf-8"))
            words[w] = words.get(w, 0) + 1
    merges = []
    for _ in range(count):
        pairs = {}
        for w, f in words.items():
            for i in range(len(w) - 1):
                pairs[(w[i], w[i + 1])] = pairs.get((w[i], w[i + 1]), 0) + f
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = {}
        for w, f in words.items():
            new, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    new.append(w[i] + w[i + 1]); i += 2
                else:
                    new.append(w[i]); i += 1
            merged[tuple(new)] = merged.get(tuple(new), 0) + f
        words = merged
    vocab = {c: i for i, c in enumerate(enc.values())}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    return vocab, [f"{a} {b}" for a, b in merges]
