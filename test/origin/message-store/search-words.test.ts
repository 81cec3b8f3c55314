/**
 * The words origin indexes of a body and looks for in a query are folded the same way: case, diacritics and
 * compatibility forms do not matter, punctuation separates words, and a very long word is kept by its beginning.
 */
import { describe, expect, it } from "vitest";
import { indexWords, MAX_WORD_CHARS, queryWords } from "../../../origin/message-store/search-words.js";
import { SEARCH_WORDS_MAX } from "../../../protocol/limits.js";

describe("search words", () => {
  it("folds case, diacritics and compatibility forms, the same in a body and in a query", () => {
    expect(indexWords("Le CAFÉ, c'est ｆｕｌｌ! Straße Ærø naïve ﬁn")).toEqual([
      "le",
      "cafe",
      "c",
      "est",
      "full",
      "strasse",
      "aero",
      "naive",
      "fin",
    ]);
    expect(queryWords("cafe FULL strasse")).toEqual(["cafe", "full", "strasse"]);
    // A combining accent (NFD) is the same word as the precomposed one.
    expect(queryWords("cafe\u0301")).toEqual(indexWords("café"));
  });

  it("keeps each word once, and none for a body without letters or digits", () => {
    expect(indexWords("tea, Tea, TÉA")).toEqual(["tea"]);
    expect(indexWords("?! …")).toEqual([]);
    expect(indexWords("")).toEqual([]);
  });

  it("indexes every word of a body, and a query's first SEARCH_WORDS_MAX as the protocol does", () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    expect(indexWords(words.join(" "))).toEqual(words);
    expect(queryWords(words.join(" "))).toEqual(words.slice(0, SEARCH_WORDS_MAX));
  });

  it("keeps a long word's first MAX_WORD_CHARS characters, whole code points, in a body and a query alike", () => {
    const letters = "é".repeat(MAX_WORD_CHARS + 1);
    expect(indexWords(`${letters} x`)).toEqual(["e".repeat(MAX_WORD_CHARS), "x"]);
    expect(queryWords(letters)).toEqual(indexWords(letters));
    // A letter outside the BMP is two UTF-16 units, and one character.
    const astral = "\u{10428}";
    expect(indexWords(astral.repeat(MAX_WORD_CHARS + 10))).toEqual([astral.repeat(MAX_WORD_CHARS)]);
  });
});
