// TokenizerTests.swift — exact token lists for tricky English, French and German sentences, and
// detokenize(tokenize(s)) == s on real corpus lines and on seeded random text. Stage [1], SPEC §1 "Tokens".

import Foundation
import Testing
@testable import Seq2SeqCore

private let word = Tokenizer(tokenization: .word, lowercase: false)
private let char = Tokenizer(tokenization: .char, lowercase: false)

/// Same Unicode scalars (String's `==` would also accept a canonically equivalent text).
private func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}

/// Lines copied verbatim from /work/shared/corpora (Tatoeba via manythings.org/anki, CC BY 2.0 FR), chosen for
/// apostrophes ' ’ ‘, no-break spaces (U+00A0, U+202F), soft hyphens (U+00AD), « » „ “ quotes, dashes, brackets,
/// numbers with , . : and abbreviations. Every line of both files round-trips (checked once over the whole files).
private let corpusLines = [
    "Je suis rassasié\u{202F}!",   // eng-fra.tsv:32 target
    "J’y vais.",   // eng-fra.tsv:112 target
    "J'en suis sûr à 99%.",   // eng-fra.tsv:551 target
    "Je suis ravi(e).",   // eng-fra.tsv:954 target
    "Je suis occupé aujourd’hui.",   // eng-fra.tsv:1763 target
    "Je suis du F.B.I.",   // eng-fra.tsv:2428 target
    "Je\u{A0}suis\u{A0}encore\u{A0}sceptique.",   // eng-fra.tsv:3113 target
    "Nous\u{A0}sommes\u{A0}tous\u{A0}à\u{A0}la\u{A0}pension.",   // eng-fra.tsv:3215 target
    "Il est déjà\u{A0}là.",   // eng-fra.tsv:3572 target
    "Je suis en retard, n'est-ce pas\u{202F}?",   // eng-fra.tsv:3723 target
    "C'est moi le patron, non\u{A0}?",   // eng-fra.tsv:6286 target
    "I‘m ironing my handkerchiefs.",   // eng-fra.tsv:9341 source
    "Je me prépare au pire...",   // eng-fra.tsv:10391 target
    "Je ne prends pas « non » pour une réponse.",   // eng-fra.tsv:10460 target
    "Je suis désolé, mais la réponse est \"Non!\".",   // eng-fra.tsv:10498 target
    "\"I am not tired.\" \"Neither am I.\"",   // eng-fra.tsv:10677 source
    "\"Je ne suis pas fatigué.\" \"Moi non plus.\"",   // eng-fra.tsv:10677 target
    "Je vais rentrer vers 14\u{A0}h\u{A0}30.",   // eng-fra.tsv:11542 target
    "I'm in debt to my uncle for $10,000.",   // eng-fra.tsv:11546 source
    "Tu me caches quelque chose. \" \"Non, pas du tout.\"",   // eng-fra.tsv:12126 target
    "Je suis sûr de ma décision à 100%.",   // eng-fra.tsv:9102 target
    "She is the editor-in-chief.",   // eng-fra.tsv:8391 source
    "Ich bin mir zu 99\u{202F}% sicher.",   // eng-deu.tsv:333 target
    "Ich bin 1,83 m groß.",   // eng-deu.tsv:2376 target
    "I'm a U.S. citizen.",   // eng-deu.tsv:2380 source
    "Endlich sind wir allein(e).",   // eng-deu.tsv:3142 target
    "Du hast echt ’n Knall!",   // eng-deu.tsv:3758 target
    "„Du bist betrunken.“\u{A0}– „Bin ich gar nicht!“",   // eng-deu.tsv:7257 target
    "Ich bin nicht allergisch gegen Pe\u{AD}ni\u{AD}zil\u{AD}lin.",   // eng-deu.tsv:8056 target
    "Ich nehme den 10.30 Uhr-Zug.",   // eng-deu.tsv:8703 target
    "\"Ich bin glücklich\", sagte sie zu sich selbst.",   // eng-deu.tsv:8613 target
    "Ich warne dich: Mach das nicht noch mal!",   // eng-deu.tsv:9003 target
    "Ich schulde meinem Onkel 10 000$.",   // eng-deu.tsv:9154 target
    "Sie ist nicht meine Schwester\u{A0}— sie ist meine Frau.",   // eng-deu.tsv:9202 target
    "I'm usually awake by 8:00 a.m.",   // eng-deu.tsv:7488 source
    "Dir wird’s gut gehen.",   // eng-deu.tsv:4610 target
    "Entschuldige, dass ich’s dir nicht gesagt habe!",   // eng-deu.tsv:6693 target
]

@Suite struct WordTokenizerTests {
    @Test(arguments: [
        ("Hi!", ["Hi", "￭!"]),
        ("Salut !", ["Salut", "!"]),
        ("Salut\u{202F}!", ["Salut", "￭\u{202F}", "￭!"]),
        ("« Bonjour », dit-il.", ["«", "Bonjour", "»", "￭,", "dit", "￭-￭", "il", "￭."]),
        ("l'homme d'aujourd'hui, c'est", ["l'homme", "d'aujourd'hui", "￭,", "c'est"]),
        ("I don't know, it's 3.5 km.", ["I", "don't", "know", "￭,", "it's", "3.5", "km", "￭."]),
        ("The U.S. -- a country.", ["The", "U", "￭.￭", "S", "￭.", "--", "a", "country", "￭."]),
        ("Wait... what?!", ["Wait", "￭...", "what", "￭?", "￭!"]),
        ("„Du bist betrunken.“", ["„￭", "Du", "bist", "betrunken", "￭.", "￭“"]),
        ("C'est l’été (enfin).", ["C'est", "l’été", "(￭", "enfin", "￭)", "￭."]),
        ("\"Non!\", dit-elle.", ["\"￭", "Non", "￭!", "￭\"", "￭,", "dit", "￭-￭", "elle", "￭."]),
        ("Ich bin 1,83 m groß.", ["Ich", "bin", "1,83", "m", "groß", "￭."]),
        ("Tom's dogs' toys cost $10,000.", ["Tom's", "dogs", "￭'", "toys", "cost", "$￭", "10,000", "￭."]),
        ("Super 👍🏽!", ["Super", "👍🏽", "￭!"]),
        ("Er sagte: „Grüß Gott!“", ["Er", "sagte", "￭:", "„￭", "Grüß", "Gott", "￭!", "￭“"]),
    ])
    func exactTokens(text: String, tokens: [String]) {
        #expect(word.tokenize(text) == tokens)
        #expect(sameScalars(word.detokenize(tokens), text))
    }

    @Test(arguments: corpusLines)
    func corpusLineRoundTrips(line: String) {
        #expect(sameScalars(word.detokenize(word.tokenize(line)), line))
        let lower = Tokenizer(tokenization: .word, lowercase: true)
        #expect(sameScalars(lower.detokenize(lower.tokenize(line)), line.lowercased()))
    }

    @Test func noBreakSpacesSurvive() {
        #expect(word.tokenize("Je\u{A0}suis.") == ["Je", "￭\u{A0}￭", "suis", "￭."])
        #expect(word.tokenize("a \u{A0} b") == ["a", "\u{A0}", "b"])
    }

    @Test func whitespaceRunsCollapse() {
        let text = "  Hello \t  world\u{A0}!\n"
        #expect(word.tokenize(text) == ["Hello", "world", "￭\u{A0}", "￭!"])
        #expect(word.detokenize(word.tokenize(text)) == "Hello world\u{A0}!")
        #expect(Tokenizer.collapsingWhitespace(text) == "Hello world\u{A0}!")
        #expect(word.tokenize("") == [])
        #expect(word.tokenize(" \t ") == [])
        #expect(word.detokenize([]) == "")
    }

    @Test func lowercasingHappensBeforeSplitting() {
        let lower = Tokenizer(tokenization: .word, lowercase: true)
        #expect(lower.tokenize("Ça VA, Tom ?") == ["ça", "va", "￭,", "tom", "?"])
        #expect(lower.tokenize("ÉTÉ") == ["été"])
    }

    @Test func detokenizeReadsModelOutput() {
        // A lone joiner glues its neighbours; a joiner on the first token has nothing to glue to.
        #expect(word.detokenize(["a", "￭", "b"]) == "ab")
        #expect(word.detokenize(["￭.", "a"]) == ". a")
        #expect(word.detokenize(["a", "", "b"]) == "a b")
        #expect(word.detokenize(["(￭", "￭)"]) == "()")
    }

    /// Seeded random text over an alphabet of letters, digits, apostrophes, punctuation, no-break and breaking spaces:
    /// the round trip gives the text with its breaking whitespace collapsed.
    @Test func randomTextRoundTrips() {
        let alphabet: [Character] = ["a", "Z", "é", "ß", "7", "0", "'", "’", ".", ",", "-", "!", "?", "«", "»", "\"",
                                     "(", ")", "%", "$", "👍🏽", "\u{A0}", "\u{202F}", " ", " ", " ", "\t", "\n"]
        var rng = SplitMix64(seed: 2024)
        for _ in 0..<2_000 {
            let text = String((0..<rng.nextInt(in: 0...24)).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
            let back = word.detokenize(word.tokenize(text))
            #expect(sameScalars(back, Tokenizer.collapsingWhitespace(text)), "\(text.debugDescription)")
        }
    }
}

@Suite struct CharTokenizerTests {
    @Test func oneTokenPerGrapheme() {
        #expect(char.tokenize("Ça va 👍🏽") == ["Ç", "a", " ", "v", "a", " ", "👍🏽"])
        #expect(char.tokenize("e\u{301}t\u{E9}") == ["e\u{301}", "t", "\u{E9}"])   // decomposed é stays whole
        #expect(char.tokenize("🇫🇷!") == ["🇫🇷", "!"])
        #expect(char.tokenize("") == [])
    }

    @Test func lowercases() {
        let lower = Tokenizer(tokenization: .char, lowercase: true)
        #expect(lower.tokenize("ÉTÉ") == ["é", "t", "é"])
    }

    @Test(arguments: corpusLines + ["  two  spaces\tand a tab ", "e\u{301}"])
    func roundTripsExactly(line: String) {
        #expect(sameScalars(char.detokenize(char.tokenize(line)), line))
    }
}

@Test func tokenizerIsCodable() throws {
    let tokenizer = Tokenizer(tokenization: .word, lowercase: true)
    let data = try JSONEncoder().encode(tokenizer)
    #expect(try JSONDecoder().decode(Tokenizer.self, from: data) == tokenizer)
    #expect(Tokenization(rawValue: "char") == .char)
    #expect(Tokenization(rawValue: "word") == .word)
}
