import Testing

@testable import ValidatedModels

@Suite struct WordTokenizerTests {
    private func tokens(
        _ text: String,
        pattern: String = WordTokenizer.defaultPattern,
        lowercase: Bool = true
    ) throws -> [String] {
        var out: [String] = []
        try WordTokenizer(pattern: pattern, lowercase: lowercase).forEachToken(in: text) { out.append($0) }
        return out
    }

    // Expected values are what scikit-learn's default analyzer returns for the same strings.
    @Test func defaultPatternMatchesScikitLearn() throws {
        #expect(try tokens("Posting-Host: nntp.cs.example.edu") == ["posting", "host", "nntp", "cs", "example", "edu"])
        #expect(
            try tokens("a remark; \"the unkindest cut of all\"") == ["remark", "the", "unkindest", "cut", "of", "all"]
        )
        #expect(try tokens("don't x_y 3D 1 e") == ["don", "x_y", "3d"])
        #expect(try tokens("Ärger über Œuvre naïve 東京都 ½½") == ["ärger", "über", "œuvre", "naïve", "東京都", "½½"])
        #expect(try tokens("") == [])
        #expect(try tokens("ab") == ["ab"])
    }

    @Test func capitalSigmaLowercasesAsPythonDoes() throws {
        // Python: "ΟΔΟΣ".lower() == "οδος" with a final sigma; "ΣΑΣ ΣΟΦΟΣ" → "σας σοφος"; "ΑΣΑ" → "ασα".
        #expect(try tokens("ΟΔΟΣ") == ["οδος"])
        #expect(try tokens("ΣΑΣ ΣΟΦΟΣ") == ["σας", "σοφος"])
        #expect(try tokens("ΑΣΑ ΑΣ.") == ["ασα", "ας"])
    }

    @Test func caseIsKeptWhenLowercaseIsOff() throws {
        #expect(try tokens("Host host", lowercase: false) == ["Host", "host"])
    }

    @Test func customPatternsUseTheirFirstGroupOrWholeMatch() throws {
        #expect(try tokens("a bc def", pattern: #"(?u)\b\w+\b"#) == ["a", "bc", "def"])
        #expect(try tokens("key=value", pattern: #"(\w+)="#) == ["key"])
    }
}
