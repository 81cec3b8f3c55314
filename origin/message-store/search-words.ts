/**
 * The words origin's search index keeps of a body, and the words a query looks for: the protocol's words
 * (protocol/search.ts: runs of letters, digits and marks, lower-cased), each folded so that case and diacritics do not
 * matter ("Café" → "cafe"). Cassandra 5.0's storage-attached indexes have no analyzer that tokenizes text, so the
 * origin tokenizes here, the same way on both sides, and Cassandra indexes the resulting set of words.
 */
import { searchWords } from "../../protocol/search.js";

/** Protocol words, unbounded in number (searchWords keeps a query's first SEARCH_WORDS_MAX). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const LETTERS_AND_DIGITS = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
/** Latin letters that carry their diacritic without decomposing to a base letter and a mark. */
const UNDECOMPOSED = /[øæœßłđı]/g;
const BASE: Record<string, string> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", ł: "l", đ: "d", ı: "i" };
/**
 * A word is indexed by its first characters only: longer ones are not what people search for, and Cassandra warns
 * about index terms over 1 KiB (a 4 KiB body of one word would be one).
 */
export const MAX_WORD_CHARS = 64;

/** The distinct folded words of a message's body, as its row's `words` stores them. */
export function indexWords(body: string): string[] {
  return distinct((body.toLowerCase().match(WORD) ?? []).flatMap(fold));
}

/** The distinct folded words a message must all have to match the query `q`. */
export function queryWords(q: string): string[] {
  return distinct(searchWords(q).flatMap(fold));
}

/**
 * Compatibility decomposition (NFKD: "ﬁ" → "fi", full-width → ASCII) without its marks, lower-cased; what is left
 * may split into several words ("½" → "1", "2"), the same for a body and a query.
 */
function fold(word: string): string[] {
  const folded = word
    .normalize("NFKD")
    .replace(MARKS, "")
    .toLowerCase()
    .replace(UNDECOMPOSED, (c) => BASE[c]!);
  return (folded.match(LETTERS_AND_DIGITS) ?? []).map((w) => [...w].slice(0, MAX_WORD_CHARS).join(""));
}

function distinct(words: string[]): string[] {
  return [...new Set(words)];
}
